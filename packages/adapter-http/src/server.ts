import { mrsError } from "@rune/mrs-core";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from "fastify";
import { MAX_BODY_BYTES, type MrsHttpApiOptions, mrsErrorHandler, mrsHttpApi } from "./plugin.js";
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
