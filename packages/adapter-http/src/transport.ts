import { type MrsError, mrsError } from "@rune/mrs-core";

/** What one call of the API gave: the status and the parsed JSON body, or why there is none. */
export type Exchange =
  | { readonly ok: true; readonly status: number; readonly body: unknown; readonly headers: Headers }
  | {
      readonly ok: false;
      readonly status: number;
      readonly errors: readonly MrsError[];
      /** The parsed error body, when there was one (a registration's 409 also says module, version and session). */
      readonly body?: unknown;
    };

/** Where a client or store talks to, and how. */
export interface Endpoint {
  readonly url: string;
  readonly token?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

/** A call gives up after this long by default: a LOM that does not answer is not waited on forever. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** `http://host:port` + `/v1/...`, keeping any path prefix of the base URL. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

/**
 * One HTTP call with a bearer token and a timeout, answered as data: a status and JSON, or
 * errors naming what failed (nothing is thrown, so callers decide). A `304` (to a conditional
 * GET that sent `If-None-Match` in `extraHeaders`) is `ok` with no body.
 */
export async function exchange(
  endpoint: Endpoint,
  method: string,
  path: string,
  body?: string | Uint8Array,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<Exchange> {
  const url = joinUrl(endpoint.url, path);
  const timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { ...extraHeaders, accept: "application/json" };
  if (endpoint.token !== undefined) headers.authorization = `Bearer ${endpoint.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { ok: false, status: 0, errors: [unreachable(url, error, timeoutMs)] };
  }
  // A conditional GET answered "what you hold is current" (RULES.md R4): no body to read.
  if (response.status === 304) return { ok: true, status: 304, body: null, headers: response.headers };
  let parsed: unknown;
  try {
    parsed = text.length === 0 ? null : JSON.parse(text);
  } catch {
    return {
      ok: false,
      status: response.status,
      errors: [
        mrsError("INVALID_JSON", "", `${method} ${url} answered ${response.status} with a body that is not JSON`, {
          hint: "is this URL a LOM's HTTP API?",
        }),
      ],
    };
  }
  if (response.status >= 200 && response.status < 300) {
    return { ok: true, status: response.status, body: parsed, headers: response.headers };
  }
  return {
    ok: false,
    status: response.status,
    errors: errorsOf(parsed, `${method} ${url}`, response.status),
    body: parsed,
  };
}

/** The `errors` of an error body, or one error saying the body had none. */
export function errorsOf(body: unknown, what: string, status: number): readonly MrsError[] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0 && errors.every(isError)) return errors as MrsError[];
  return [
    mrsError(
      status >= 500 ? "STORE_UNAVAILABLE" : "INVALID_REQUEST",
      "",
      `${what} answered ${status} without MRS errors`,
    ),
  ];
}

function isError(value: unknown): boolean {
  const e = value as Partial<MrsError> | null;
  return typeof e === "object" && e !== null && typeof e.code === "string" && typeof e.message === "string";
}

/** Why a URL gave no answer, in words: a timeout, a refused connection, a bad address. */
export function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
    if (cause?.message) return cause.message;
    return error.message;
  }
  return String(error);
}

function unreachable(url: string, error: unknown, timeoutMs: number): MrsError {
  return mrsError("STORE_UNAVAILABLE", "", `could not reach ${url}: ${describeFailure(error, timeoutMs)}`, {
    hint: "is the LOM running, and is the URL right?",
  });
}
