// HTTP helpers shared by the hostile, fuzz, fault and load tests: loopback only, every call bounded.
import net, { type AddressInfo } from "node:net";
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
  /** `0` when the server closed the connection before any answer reached the client (see {@link streamUpload}). */
  readonly status: number;
  readonly body: string;
  /** Bytes handed to the socket before the answer's first byte arrived (the rest was never sent). */
  readonly sentBeforeAnswer: number;
}

/**
 * POSTs `chunks` as a stream over a raw socket (with `Content-Length: declared`, or chunked
 * when `declared` is undefined), and stops writing as soon as the server's answer starts: a
 * server that buffers the whole body shows as `sentBeforeAnswer` equal to its size. A raw socket
 * rather than `http.request`, because a server that answers and then closes makes the client
 * fail with EPIPE before it reports the answer it already received.
 *
 * Node's HTTP server closes such a connection while the client is still sending; the unread
 * bytes make the kernel reset it, and a reset can destroy the answer before the client reads it
 * (RFC 9112 9.6 asks for a "lingering close" that Node does not do). So a refusal shows either
 * as the 413 or as status 0, and `sentBeforeAnswer` says how much was sent by then.
 */
export function streamUpload(
  url: string,
  chunks: Iterable<Buffer>,
  options: { token?: string; declared?: number } = {},
): Promise<StreamedAnswer> {
  const target = new URL(url);
  const head = [
    `POST ${target.pathname} HTTP/1.1`,
    `Host: ${target.host}`,
    "Content-Type: application/json",
    options.declared === undefined ? "Transfer-Encoding: chunked" : `Content-Length: ${options.declared}`,
    ...(options.token === undefined ? [] : [`Authorization: Bearer ${options.token}`]),
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let sentBeforeAnswer: number | undefined;
    const received: Buffer[] = [];
    const iterator = chunks[Symbol.iterator]();
    const socket = net.connect({ host: target.hostname, port: Number(target.port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${CALL_TIMEOUT_MS} ms after ${sent} bytes`));
    }, CALL_TIMEOUT_MS);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const answer = parseResponse(Buffer.concat(received)) ?? { status: 0, body: "" };
      resolve({ status: answer.status, body: answer.body, sentBeforeAnswer: sentBeforeAnswer ?? sent });
    };
    socket.on("data", (data: Buffer) => {
      sentBeforeAnswer ??= sent;
      received.push(data);
      const answer = parseResponse(Buffer.concat(received));
      if (answer?.complete) finish();
    });
    socket.on("end", finish);
    // EPIPE / ECONNRESET: the server closed on us, usually after answering; what came is the answer.
    socket.on("error", finish);
    const frame = (chunk: Buffer): Buffer[] =>
      options.declared === undefined ? [Buffer.from(`${chunk.byteLength.toString(16)}\r\n`), chunk, CRLF] : [chunk];
    const pump = (): void => {
      while (sentBeforeAnswer === undefined && !socket.destroyed) {
        const next = iterator.next();
        if (next.done) {
          if (options.declared === undefined) socket.write("0\r\n\r\n");
          return;
        }
        sent += next.value.byteLength;
        let ok = true;
        for (const part of frame(next.value)) ok = socket.write(part);
        if (!ok) {
          socket.once("drain", pump);
          return;
        }
      }
    };
    socket.once("connect", () => {
      socket.write(head);
      pump();
    });
  });
}

const CRLF = Buffer.from("\r\n");

/** Status and body of a raw HTTP/1.1 answer, once its head has arrived; `complete` once its body has too. */
function parseResponse(raw: Buffer): { status: number; body: string; complete: boolean } | undefined {
  const end = raw.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
  const length = lines.find((l) => /^content-length:/i.test(l));
  const body = raw.subarray(end + 4);
  const complete = length !== undefined && body.byteLength >= Number(length.split(":")[1]);
  return { status, body: body.toString("utf8"), complete };
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

/**
 * Why a streamed upload was not refused early with `status` (the answer, or a reset before it:
 * see {@link streamUpload}), or `undefined` when it was: less than a quarter of `size` sent.
 */
export function notRefusedEarly(
  answer: StreamedAnswer,
  status: number,
  code: string,
  size: number,
): string | undefined {
  if (answer.status !== status && answer.status !== 0) return `answered ${answer.status}: ${answer.body.slice(0, 200)}`;
  if (answer.status === status && JSON.parse(answer.body).errors?.[0]?.code !== code)
    return `not ${code}: ${answer.body}`;
  if (answer.sentBeforeAnswer >= size / 4) return `${answer.sentBeforeAnswer} of ${size} bytes sent before the refusal`;
  return undefined;
}
