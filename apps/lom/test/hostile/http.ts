// HTTP helpers shared by the hostile, fuzz, fault and load tests: loopback only, every call bounded.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createMrsServer } from "@rune/mrs-adapter-http";
import type { Registry, RegistryStore } from "@rune/mrs-core";

/** A token granted every name, and one granted a single name (RULES.md A2). */
export const ALL = "hostile-all-0123456789abcdef";
export const LIMITED = "hostile-limited-0123456789abcdef";
export const LIMITED_NAME = "hostile-dup-first";

/** Every call gives up after this: a hang is a failure with a message, not a stuck test. */
const CALL_TIMEOUT_MS = 15_000;

export interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON, asserted field by field.
  readonly body: any;
  readonly text: string;
}

/** One call on loopback; the body parsed as JSON when it is JSON. */
export async function call(
  url: string,
  init: { method?: string; token?: string; body?: string | Uint8Array; contentType?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined && init.contentType !== null)
    headers["content-type"] = init.contentType ?? "application/json";
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, body, text };
}

/** What a streamed upload saw: the answer, and how many bytes had been written when it came. */
export interface StreamedAnswer {
  readonly status: number;
  readonly body: string;
  /** Bytes handed to the socket before the answer arrived (the rest was never sent). */
  readonly sentBeforeAnswer: number;
}

/**
 * POSTs `chunks` as a stream (with `Content-Length: declared`, or chunked when `declared` is
 * undefined), stopping as soon as the server answers: a server that buffers the whole body
 * shows as `sentBeforeAnswer` equal to the body's size.
 */
export function streamUpload(
  url: string,
  chunks: Iterable<Buffer>,
  options: { token?: string; declared?: number } = {},
): Promise<StreamedAnswer> {
  const target = new URL(url);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.declared !== undefined) headers["content-length"] = String(options.declared);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const iterator = chunks[Symbol.iterator]();
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: "POST",
      headers,
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer within ${CALL_TIMEOUT_MS} ms after ${sent} bytes`));
    }, CALL_TIMEOUT_MS);
    request.on("response", (response) => {
      answered = true;
      const sentBeforeAnswer = sent;
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (d: string) => {
        body += d;
      });
      response.on("end", () => {
        clearTimeout(timer);
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body, sentBeforeAnswer });
      });
    });
    // The server may close the socket on us once it has answered: only an error before the answer counts.
    request.on("error", (error) => {
      if (answered) return;
      clearTimeout(timer);
      reject(error);
    });
    const pump = (): void => {
      for (;;) {
        if (answered || request.destroyed) return;
        const next = iterator.next();
        if (next.done) {
          request.end();
          return;
        }
        sent += next.value.byteLength;
        if (!request.write(next.value)) {
          request.once("drain", pump);
          return;
        }
      }
    };
    pump();
  });
}

/** An MRS server on 127.0.0.1, port 0, with the two test tokens. */
export interface RunningServer {
  readonly url: string;
  readonly server: ReturnType<typeof createMrsServer>;
  close(): Promise<void>;
}

export async function serve(registry: Registry, store?: RegistryStore): Promise<RunningServer> {
  const server = createMrsServer({
    registry,
    ...(store === undefined ? {} : { store }),
    tokens: [
      { token: ALL, modules: ["*"] },
      { token: LIMITED, modules: [LIMITED_NAME] },
    ],
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const { port } = server.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, close: () => server.close() };
}

/** A small valid payload, as text. */
export function validPayload(name: string, version = "1.0.0", action = "run"): string {
  return JSON.stringify({
    registration_metadata: { module_name: name, module_version: version, registered_at: "2025-12-01T00:00:00Z" },
    capabilities: [
      {
        action,
        description: `Runs ${action}`,
        input_schema: { type: "object", properties: { target: { type: "string" } } },
        output_schema: { type: "object" },
      },
    ],
  });
}
