import { type Discovery, MAX_PAYLOAD_BYTES, mrsError, type RegistrationSource } from "@rune/mrs-core";
import { describeFailure } from "./transport.js";

/** Options of {@link urlSource}. */
export interface UrlSourceOptions {
  /** The modules' registration URLs; each answers a `GET` with its payload. */
  readonly urls: readonly string[];
  /** One attempt (redirects and body included) gives up after this long. Default 5 s. */
  readonly timeoutMs?: number;
  /** The largest body read; more is `PAYLOAD_TOO_LARGE` (RULES.md E11). Default 1 MiB. */
  readonly maxBytes?: number;
  /** Redirects followed before giving up. Default 5. */
  readonly maxRedirects?: number;
  /** Further attempts after a failure that may pass (no answer, 5xx, 429, 408). Default 2. */
  readonly retries?: number;
  /** Wait before the first retry, doubled for each next one. Default 200 ms. */
  readonly backoffMs?: number;
}

/** Why one attempt failed, and whether another attempt may do better. */
interface Failure {
  readonly code: "SOURCE_UNAVAILABLE" | "PAYLOAD_TOO_LARGE";
  readonly message: string;
  readonly retry: boolean;
}

type Attempt = { readonly ok: true; readonly bytes: Uint8Array } | ({ readonly ok: false } & Failure);

/**
 * A source that pulls payloads from the modules themselves ("MRS is invoked by LOM directly"):
 * a `GET` on each URL, with a timeout, a size cap enforced while the body streams in, a
 * bounded number of redirects (followed by hand, http and https only), and retries with
 * exponential backoff for failures that may pass. A URL that still fails is one rejected
 * decision naming it (`SOURCE_UNAVAILABLE`, or `PAYLOAD_TOO_LARGE`), never a thrown error; a
 * body is handed to the core as bytes, which parses and judges it.
 *
 * @example
 * const registry = createRegistry({ store, sources: [urlSource({ urls: ["http://10.0.0.7:8080/mrs"] })] });
 */
export function urlSource(options: UrlSourceOptions): RegistrationSource {
  const settings = {
    timeoutMs: options.timeoutMs ?? 5_000,
    maxBytes: options.maxBytes ?? MAX_PAYLOAD_BYTES,
    maxRedirects: options.maxRedirects ?? 5,
    retries: options.retries ?? 2,
    backoffMs: options.backoffMs ?? 200,
  };
  const urls = [...options.urls];
  return {
    name: urls.length === 1 ? `url:${urls[0]}` : `url:${urls.length} URLs`,
    discover: () => Promise.all(urls.map((url) => pull(url, settings))),
  };
}

async function pull(url: string, settings: Required<Omit<UrlSourceOptions, "urls">>): Promise<Discovery> {
  const origin = `url:${url}`;
  let attempt: Attempt = await once(url, settings);
  for (let retry = 0; !attempt.ok && attempt.retry && retry < settings.retries; retry++) {
    await new Promise((resolve) => setTimeout(resolve, settings.backoffMs * 2 ** retry));
    attempt = await once(url, settings);
  }
  if (attempt.ok) return { origin, text: attempt.bytes };
  const tries = settings.retries + 1;
  const message = attempt.retry && tries > 1 ? `${attempt.message} (${tries} attempts)` : attempt.message;
  return {
    origin,
    errors: [
      mrsError(attempt.code, "", `${url}: ${message}`, {
        hint:
          attempt.code === "PAYLOAD_TOO_LARGE"
            ? "a payload is at most 1 MiB"
            : "check that the module runs and serves its payload at this URL",
      }),
    ],
  };
}

/** One attempt: follow redirects by hand, then read the body up to the cap, all within the timeout. */
async function once(start: string, settings: Required<Omit<UrlSourceOptions, "urls">>): Promise<Attempt> {
  const signal = AbortSignal.timeout(settings.timeoutMs);
  let current: URL;
  try {
    current = new URL(start);
  } catch {
    return unavailable(`${start} is not a URL`, false);
  }
  try {
    for (let hop = 0; ; hop++) {
      if (current.protocol !== "http:" && current.protocol !== "https:") {
        return unavailable(`${current.protocol} URLs are not fetched (only http and https)`, false);
      }
      const response = await fetch(current, { redirect: "manual", signal, headers: { accept: "application/json" } });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        if (hop >= settings.maxRedirects) {
          return unavailable(`more than ${settings.maxRedirects} redirects (last to ${location})`, false);
        }
        current = new URL(location, current);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        const passing = response.status >= 500 || response.status === 429 || response.status === 408;
        return unavailable(`answered ${response.status} ${response.statusText}`.trimEnd(), passing);
      }
      return await readCapped(response, settings.maxBytes);
    }
  } catch (error) {
    return unavailable(describeFailure(error, settings.timeoutMs), true);
  }
}

/** Reads a body, stopping as soon as it passes `maxBytes` (a declared length too large stops it before reading). */
async function readCapped(response: Response, maxBytes: number): Promise<Attempt> {
  const tooLarge: Attempt = {
    ok: false,
    code: "PAYLOAD_TOO_LARGE",
    message: `the body is larger than ${maxBytes} bytes`,
    retry: false,
  };
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return tooLarge;
  }
  if (response.body === null) return { ok: true, bytes: new Uint8Array() };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return tooLarge;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

function unavailable(message: string, retry: boolean): Attempt {
  return { ok: false, code: "SOURCE_UNAVAILABLE", message, retry };
}
