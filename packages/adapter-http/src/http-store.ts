import {
  type Change,
  type ChangesPage,
  type CommitResult,
  changesJson,
  MrsFailure,
  type RegistryStore,
  type RevisionedChange,
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
 * A store that is another LOM's store, over its HTTP API: a second LOM or a CLI on this store
 * reads and writes the same catalog, with the same compare-and-set contract. It moves changes,
 * never the whole catalog (RULES.md R1):
 *
 * - `load` is `GET /v1/store` (the state and its revision: once, when a registry starts or has
 *   fallen behind what the LOM keeps);
 * - `changesSince` is `GET /v1/store/changes?since=N&limit=M` (a `410` is the R3 answer: read
 *   the state again);
 * - `commit` is `POST /v1/store/commit` with `{expected, changes}`: the LOM checks the changes
 *   against the rules on its own state at `expected` (E1-E12, S1-S11: nothing is stored that it
 *   would have refused) and appends them; a `409` with `conflict: true` is another writer that
 *   went first (catch up, decide again);
 * - `watch` follows the LOM's event stream (`GET /v1/events`) and calls back with the revision
 *   the events carry, so a registry on this store sees the other writers' changes as they happen.
 *
 * Failures throw (as the `RegistryStore` contract wants): the registry turns them into
 * `STORE_UNAVAILABLE` (RULES.md S11); MRS errors the LOM answered are kept (`MrsFailure`), such
 * as a change it refused.
 *
 * @example
 * const registry = createRegistry({ store: httpStore({ url: "http://10.0.0.5:7420", token }) });
 */
export function httpStore(options: HttpStoreOptions): RegistryStore {
  const endpoint: Endpoint = options;
  const watchers = new Set<AbortController>();
  const broken = (path: string, what: string) => new Error(`${options.url}${path} answered without ${what}`);

  const changesSince = async (since: number, limit?: number): Promise<ChangesPage> => {
    // A limit of 0 is still one question: asked with 1, answered with none.
    const asked = limit === undefined || !Number.isFinite(limit) ? undefined : Math.max(1, Math.floor(limit));
    const path = `/v1/store/changes?since=${since}${asked === undefined ? "" : `&limit=${asked}`}`;
    const answer = await exchange(endpoint, "GET", path);
    if (answer.ok) {
      const page = answer.body as { changes?: unknown; revision?: unknown } | null;
      if (!Array.isArray(page?.changes) || typeof page.revision !== "number") throw broken(path, "changes");
      const changes = page.changes as RevisionedChange[];
      return { ok: true, changes: limit === 0 ? [] : changes, revision: page.revision };
    }
    const compacted = answer.body as { compacted?: unknown; oldest?: unknown } | undefined;
    if (answer.status === 410 && compacted?.compacted === true && typeof compacted.oldest === "number") {
      return { ok: false, compacted: true, oldest: compacted.oldest };
    }
    throw new MrsFailure(answer.errors);
  };

  return {
    name: "http",
    // Each commit is a request body of JSON text, written by core's changesJson.
    writesJson: true,
    async load(): Promise<StoreSnapshot | null> {
      const answer = await exchange(endpoint, "GET", "/v1/store");
      if (!answer.ok) throw new MrsFailure(answer.errors);
      const snapshot = (answer.body as { snapshot?: StoreSnapshot | null } | null)?.snapshot;
      if (snapshot === undefined) throw broken("/v1/store", "a snapshot");
      return snapshot;
    },
    async commit(expected: number, changes: readonly Change[]): Promise<CommitResult> {
      // A change that JSON cannot carry throws here, before anything is sent: all or nothing. The
      // text is JSON.stringify's, with the payloads taken from the text the registry wrote.
      const body = `{"expected":${JSON.stringify(expected)},"changes":${changesJson(changes)}}`;
      const answer = await exchange(endpoint, "POST", "/v1/store/commit", body);
      if (answer.ok) {
        const revision = (answer.body as { revision?: unknown } | null)?.revision;
        if (typeof revision !== "number") throw broken("/v1/store/commit", "a revision");
        return { ok: true, revision };
      }
      if (answer.status === 409 && (answer.body as { conflict?: unknown } | null)?.conflict === true) {
        return { ok: false, conflict: true };
      }
      throw new MrsFailure(answer.errors);
    },
    changesSince,
    watch(onChange) {
      const controller = new AbortController();
      watchers.add(controller);
      void follow(
        joinUrl(options.url, "/v1/events"),
        options.token,
        controller.signal,
        revisionTracker(onChange, async (since) => {
          const page = await changesSince(since, 1);
          return page.ok ? page.revision : page.oldest;
        }),
      );
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

/** What {@link follow} tells its watcher: events as they come, and each (re)connection. */
interface Tracker {
  /** An event arrived, with the revision it carries (`null`: none). */
  event(revision: number | null): void;
  /** The stream is (again) connected: events may have been missed before. */
  connected(): void;
}

/**
 * Turns events into `onChange(revision)` calls: one per burst (a registration lands as several
 * events), each with a revision beyond the last one told. Where the events do not say (a
 * connection just made: the change may have come before it), the store is asked for its revision.
 */
function revisionTracker(onChange: (revision: number) => void, ask: (since: number) => Promise<number>): Tracker {
  let told = 0;
  let burst: number | null | undefined;
  const tell = (revision: number) => {
    if (revision <= told) return;
    told = revision;
    onChange(revision);
  };
  const probe = () => {
    ask(told).then(tell, () => undefined);
  };
  return {
    event(revision) {
      const first = burst === undefined;
      burst = revision === null || burst === null ? null : Math.max(revision, burst ?? 0);
      if (!first) return;
      setTimeout(() => {
        const seen = burst;
        burst = undefined;
        if (seen === null || seen === undefined) probe();
        else tell(seen);
      }, COALESCE_MS).unref();
    },
    connected: probe,
  };
}

/**
 * Reads the LOM's event stream until `signal` aborts, passing every event on and reconnecting
 * with a growing delay when the stream drops (a LOM restarting). Each connection is reported:
 * events may have been missed before it.
 */
async function follow(url: string, token: string | undefined, signal: AbortSignal, tracker: Tracker) {
  let delay = RECONNECT_MIN_MS;
  while (!signal.aborted) {
    try {
      const response = await fetch(url, {
        headers: { accept: "text/event-stream", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        signal,
      });
      if (response.ok && response.body !== null) {
        // The LOM subscribes before it answers: from here on, no change goes unseen.
        tracker.connected();
        delay = RECONNECT_MIN_MS;
        await readEvents(response.body, (revision) => tracker.event(revision));
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

async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (revision: number | null) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.startsWith("data:")) onEvent(revisionOf(line.slice(5)));
      newline = buffered.indexOf("\n");
    }
  }
}

/** The `revision` of an event's JSON data, when it has one. */
function revisionOf(data: string): number | null {
  try {
    const revision = (JSON.parse(data) as { revision?: unknown } | null)?.revision;
    return typeof revision === "number" && Number.isSafeInteger(revision) ? revision : null;
  } catch {
    return null;
  }
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
