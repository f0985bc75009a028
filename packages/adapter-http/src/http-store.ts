import {
  type CatalogData,
  type CommitResult,
  MrsFailure,
  type RegistryStore,
  type StoreSnapshot,
} from "@rune/mrs-core";
import { type Endpoint, exchange, joinUrl } from "./transport.js";

/** Options of {@link httpStore}. */
export interface HttpStoreOptions {
  /** The base URL of the LOM that holds the catalog: `http://10.0.0.5:7420`. */
  readonly url: string;
  /** A token granted every name (`"*"`) on that LOM: reading and writing its whole store needs one. */
  readonly token?: string;
  /** Per call. Default 10 s. */
  readonly timeoutMs?: number;
}

/** How long `watch` waits before reconnecting a dropped event stream, at first and at most. */
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;
/** Events closer together than this are one change to the watcher. */
const COALESCE_MS = 10;

/**
 * A store that is another LOM's store, over its HTTP API (`GET`/`PUT /v1/store`): a second LOM
 * or a CLI on this store reads and writes the same catalog, with the same compare-and-set
 * contract (a `409` is a conflict: read again, decide again). `watch` follows the LOM's event
 * stream, so a registry on this store sees the other writers' changes as they happen.
 *
 * Failures throw (as the `RegistryStore` contract wants): the registry turns them into
 * `STORE_UNAVAILABLE` (RULES.md S11); MRS errors the LOM answered are kept (`MrsFailure`).
 *
 * @example
 * const registry = createRegistry({ store: httpStore({ url: "http://10.0.0.5:7420", token }) });
 */
export function httpStore(options: HttpStoreOptions): RegistryStore {
  const endpoint: Endpoint = options;
  const watchers = new Set<AbortController>();

  const call = async (method: string, body?: string) => {
    const answer = await exchange(endpoint, method, "/v1/store", body);
    return answer;
  };

  return {
    name: "http",
    async load(): Promise<StoreSnapshot | null> {
      const answer = await call("GET");
      if (!answer.ok) throw new MrsFailure(answer.errors);
      const snapshot = (answer.body as { snapshot?: StoreSnapshot | null } | null)?.snapshot;
      if (snapshot === undefined) throw new Error(`${options.url}/v1/store answered without a snapshot`);
      return snapshot;
    },
    async commit(expected: number | null, data: CatalogData): Promise<CommitResult> {
      const answer = await call("PUT", JSON.stringify({ expected, data }));
      if (answer.ok) {
        const revision = (answer.body as { revision?: unknown } | null)?.revision;
        if (typeof revision !== "number") throw new Error(`${options.url}/v1/store answered without a revision`);
        return { ok: true, revision };
      }
      if (answer.status === 409 && (answer.body as { conflict?: unknown } | null)?.conflict === true) {
        return { ok: false, conflict: true };
      }
      throw new MrsFailure(answer.errors);
    },
    watch(onChange) {
      const controller = new AbortController();
      watchers.add(controller);
      void follow(joinUrl(options.url, "/v1/events"), options.token, controller.signal, coalesce(onChange));
      return () => {
        controller.abort();
        watchers.delete(controller);
      };
    },
    async close() {
      for (const controller of watchers) controller.abort();
      watchers.clear();
    },
  };
}

/**
 * Reads the LOM's event stream until `signal` aborts, calling `onChange` for every event and
 * reconnecting with a growing delay when the stream drops (a LOM restarting). A reconnect
 * also calls `onChange`: events may have been missed meanwhile.
 */
async function follow(url: string, token: string | undefined, signal: AbortSignal, onChange: () => void) {
  let delay = RECONNECT_MIN_MS;
  let connectedBefore = false;
  while (!signal.aborted) {
    try {
      const response = await fetch(url, {
        headers: { accept: "text/event-stream", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        signal,
      });
      if (response.ok && response.body !== null) {
        if (connectedBefore) onChange();
        connectedBefore = true;
        delay = RECONNECT_MIN_MS;
        await readEvents(response.body, onChange);
      } else {
        await response.body?.cancel();
      }
    } catch {
      // Dropped or refused: retried below, unless the watch was stopped.
    }
    if (signal.aborted) return;
    await sleep(delay, signal);
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  }
}

async function readEvents(body: ReadableStream<Uint8Array>, onEvent: () => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.startsWith("data:")) onEvent();
      newline = buffered.indexOf("\n");
    }
  }
}

/**
 * One call for a burst of events: a registration that lands as several events, or many
 * registrations in a row, cost the watcher one reload, not one each.
 */
function coalesce(onChange: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      onChange();
    }, COALESCE_MS).unref();
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
