import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Options of {@link servePayload}. */
export interface ServePayloadOptions {
  /** Interface to listen on. Default `127.0.0.1` (loopback: say so explicitly to serve others). */
  readonly host?: string;
  /** Default `0`: a free port, read back from the answer's `url`. */
  readonly port?: number;
  /** The path the payload is served at. Default `/mrs/registration`. */
  readonly path?: string;
}

/** A payload being served; `close` stops the server and its connections. */
export interface ServedPayload {
  /** The URL to give the LOM (a `{"url": ...}` source, or {@link urlSource}). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves a module's registration payload at a URL, for LOMs that pull it ({@link urlSource},
 * `{"url": ...}` in `lom.config.json`). A value is served as JSON, a string or bytes as they
 * are (already-serialised JSON). The body is fixed when called: serve again to change it.
 *
 * @example
 * const served = await servePayload(defineModule(...).payload, { port: 8080 });
 * console.log(`register me from ${served.url}`);
 */
export async function servePayload(payload: unknown, options: ServePayloadOptions = {}): Promise<ServedPayload> {
  const host = options.host ?? "127.0.0.1";
  const path = options.path ?? "/mrs/registration";
  const body =
    typeof payload === "string" || payload instanceof Uint8Array
      ? Buffer.from(payload)
      : Buffer.from(JSON.stringify(payload), "utf8");
  const server = createServer((request, response) => {
    const pathname = (request.url ?? "/").split("?")[0];
    if (pathname !== path) {
      response
        .writeHead(404, { "content-type": "text/plain; charset=utf-8" })
        .end(`not found: the payload is at ${path}\n`);
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    response.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": body.byteLength,
      "cache-control": "no-store",
    });
    response.end(request.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${hostInUrl}:${port}${path}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
