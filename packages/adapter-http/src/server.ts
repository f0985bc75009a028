import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { mrsError } from "@rune/mrs-core";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from "fastify";
import { MAX_BODY_BYTES, type MrsHttpApiOptions } from "./options.js";
import { mrsErrorHandler, mrsHttpApi } from "./plugin.js";
import { toAnswer } from "./status.js";

/** Options of {@link createMrsServer}: the plugin's, and a logger. */
export type MrsServerOptions = MrsHttpApiOptions & {
  /** fastify's logger option (`false` by default). The `Authorization` header is always redacted (A3). */
  readonly logger?: FastifyServerOptions["logger"];
};

/** Headers that must never reach a log line (RULES.md A3). */
const REDACTED = ["req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]'];

/**
 * A fastify server with {@link mrsHttpApi} mounted and the hard limits of a public endpoint:
 * bodies of at most 1 MiB (413), only `application/json` (415), request and idle timeouts so
 * that slow or stalled clients cannot hold connections, and every failure (an unknown route
 * too) answered as `{"errors": [...]}`. Add your own routes (the dashboard at `GET /`), then
 * `listen`.
 *
 * @example
 * const server = createMrsServer({ registry, tokens: [{ token: "s3cret", modules: ["*"] }] });
 * await server.listen({ host: "127.0.0.1", port: 7420 });
 */
export function createMrsServer(options: MrsServerOptions): FastifyInstance {
  const { logger, ...api } = options;
  const server = Fastify({
    logger: withRedaction(logger),
    bodyLimit: MAX_BODY_BYTES,
    // The whole request (headers and body) must arrive within 30 s, and a connection idle for
    // 60 s is closed: a slow client cannot pin a socket (the event stream lifts its own limit).
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 5_000,
    // `module/action` references: two names of up to 64 characters and the slash, %2F-encoded.
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    // Errors fastify meets before routing (a malformed percent-encoding: FST_ERR_BAD_URL) answer
    // in the MRS error format too.
    frameworkErrors: (error, _request, reply) => {
      const answer = toAnswer(error);
      void (reply as FastifyReply).code(answer.status).send({ errors: answer.errors });
    },
    // And so do the requests Node's HTTP parser refuses before fastify sees them.
    clientErrorHandler,
  });
  server.setErrorHandler(mrsErrorHandler);
  server.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      errors: [
        mrsError("NOT_FOUND", "", `no route ${request.method} ${request.url.split("?")[0]}`, {
          hint: "GET /openapi.json lists every route",
        }),
      ],
    }),
  );
  server.register(mrsHttpApi, api);
  return server;
}

/**
 * A request the HTTP parser refuses (not HTTP, headers over Node's 16 KiB, not all there within
 * `requestTimeout`): answered in the MRS error format, as fastify's own handler does in its own
 * format, and the connection closed. These are the `4XX` every operation of `/openapi.json` lists.
 */
function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A connection reset, or already gone: nobody to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "the request did not arrive within the request timeout"]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "the request's headers are larger than this server takes"]
        : [400, "the request is not valid HTTP/1.1"];
  this.log.trace({ err: error }, "client error");
  const body = JSON.stringify({ errors: [mrsError("INVALID_REQUEST", "", message)] });
  // As Node's own handler: never after an answer has begun on this socket (a body refused on its
  // Content-Length, then cut short), which the client would read as garbage after that answer.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && answering?.headersSent !== true) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function withRedaction(logger: FastifyServerOptions["logger"]): FastifyServerOptions["logger"] {
  if (logger === undefined || logger === false) return false;
  if (logger === true) return { redact: REDACTED };
  const redact = logger.redact;
  const paths = Array.isArray(redact) ? redact : (redact?.paths ?? []);
  const merged = [...new Set([...paths, ...REDACTED])];
  return {
    ...logger,
    redact: Array.isArray(redact) || redact === undefined ? merged : { ...redact, paths: merged },
  };
}
