import {
  type Decision,
  type DecisionQuery,
  type InstanceCheck,
  type MrsError,
  MrsFailure,
  mrsError,
  type RegistryEvent,
  type SessionInfo,
} from "@rune/mrs-core";
import type { ActionView, CapabilityView, LeaseView, ModuleView, RegistrationAnswer } from "./schemas.js";
import { errorsOf, exchange, joinUrl } from "./transport.js";

/** Options of {@link mrsClient}. */
export interface MrsClientOptions {
  /** The LOM's base URL: `http://127.0.0.1:7420`. */
  readonly url: string;
  /** A bearer token: needed to register and refresh, and to read when the LOM closes reading. */
  readonly token?: string;
  /** Per call. Default 10 s. */
  readonly timeoutMs?: number;
}

/** An answer of the API as data: the value, or the errors with the HTTP status (`0`: no answer at all). */
export type ClientAnswer<T> =
  | {
      readonly ok: true;
      readonly status: number;
      readonly value: T;
      /**
       * The catalog revision the answer shows (its `ETag`, RULES.md R4), on the catalog reads:
       * `modules`, `module`, `capabilities`, `capability`, `actions`. Follow the changes after it
       * with {@link MrsClient.follow}.
       */
      readonly revision?: number;
    }
  | { readonly ok: false; readonly status: number; readonly errors: readonly MrsError[] };

/**
 * The answer to a registration. `unchanged` is a `409 DUPLICATE_REGISTRATION` with
 * `identical: true`: the very same payload was already held, which is what a retry after a
 * lost answer sees (RULES.md S5), so it counts as success.
 */
export type ClientRegistration = Omit<RegistrationAnswer, "outcome"> & {
  readonly outcome: "accepted" | "upgraded" | "unchanged";
};

/**
 * One page of `GET /v1/decisions`: the newest decisions that match, oldest first, and, when
 * older ones match too, `next`: the `before` of the next page back.
 */
export interface DecisionPage {
  readonly decisions: readonly Decision[];
  readonly next?: string;
}

/** What `GET /healthz` said. */
export interface Health {
  readonly ready: boolean;
  readonly session?: string;
}

/** What a heartbeat answers (RULES.md L2): the module, its version and its renewed lease. */
export interface HeartbeatAnswer {
  readonly module: string;
  readonly version: string;
  readonly expires_at: string;
  readonly lease: LeaseView;
}

/** A running {@link MrsClient.keepAlive}: stop it to let the lease run out (or deregister). */
export interface KeepAlive {
  /** Stops heartbeating; resolves once no heartbeat is in flight any more. */
  stop(): Promise<void>;
  /** The last heartbeat's answer, `undefined` before the first. */
  readonly last: ClientAnswer<HeartbeatAnswer> | undefined;
}

/** One change of the catalog as {@link MrsClient.follow} yields it: `{revision, type, ...}`, as `GET /v1/events` sends it. */
export type ChangeEvent = RegistryEvent;

/** Options of {@link MrsClient.follow}. */
export interface FollowOptions {
  /**
   * The revision already seen (the catalog's `ETag` says which one a read showed): the changes
   * after it come first. Without it, from the LOM's revision when the stream opens.
   */
  readonly since?: number;
  /** Ends the iteration (without an error) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * {@link MrsClient.follow} cannot go on from the revision it holds: the LOM no longer keeps the
 * changes after it (`compacted`, RULES.md R3), or its store does not hold that revision at all
 * (`reset`: a memory store that restarted). Read the catalog again (its `ETag` is its revision)
 * and follow from there. Its code is `REVISION_COMPACTED`.
 */
export class FollowInterrupted extends MrsFailure {
  constructor(
    errors: readonly MrsError[],
    readonly reason: "compacted" | "reset",
    /** The revision the follower held. */
    readonly since: number,
    /** For `compacted`: the oldest revision the LOM keeps. For `reset`: the store's latest revision. */
    readonly revision: number,
  ) {
    super(errors);
  }
}

/** A typed client of the MRS HTTP API; see {@link mrsClient}. */
export interface MrsClient {
  /**
   * Registers a payload: a value (sent as JSON) or raw JSON text/bytes (sent as they are). With
   * `lease`, the module lives only while it heartbeats (RULES.md L1); the answer carries the
   * lease granted.
   */
  register(payload: unknown, options?: { readonly lease?: number }): Promise<ClientAnswer<ClientRegistration>>;
  /** Renews a module's lease (L2); `version`: the version it heartbeats as. */
  heartbeat(name: string, options?: { readonly version?: string }): Promise<ClientAnswer<HeartbeatAnswer>>;
  /**
   * Heartbeats `name` at a third of its lease until stopped (L2), for module authors: the lease
   * survives two lost heartbeats in a row. The first beat goes at once; a refused beat (the
   * module was removed or superseded) stops it. `onBeat` hears every answer.
   */
  keepAlive(
    name: string,
    options: {
      readonly leaseSeconds: number;
      readonly version?: string;
      readonly onBeat?: (answer: ClientAnswer<HeartbeatAnswer>) => void;
    },
  ): KeepAlive;
  /** Deregisters a module at once (L4): the decision recorded. */
  deregister(name: string): Promise<ClientAnswer<Decision>>;
  session(): Promise<ClientAnswer<SessionInfo>>;
  modules(): Promise<ClientAnswer<readonly ModuleView[]>>;
  module(name: string): Promise<ClientAnswer<ModuleView>>;
  capabilities(): Promise<ClientAnswer<readonly CapabilityView[]>>;
  /** One capability by bare action or `module/action` (404 `UNKNOWN_ACTION`, 409 `AMBIGUOUS_ACTION`). */
  capability(ref: string): Promise<ClientAnswer<CapabilityView>>;
  actions(): Promise<ClientAnswer<readonly ActionView[]>>;
  /**
   * The session's decisions, oldest first: one page, the newest `limit` (default and most:
   * 1,000) older than `before`, optionally for one module name (a string is `{module}`).
   * {@link MrsClient.decisionPage} says whether older ones follow.
   */
  decisions(query?: string | DecisionQuery): Promise<ClientAnswer<readonly Decision[]>>;
  /** One page of decisions with `next`, the `before` of the page back when there is one. */
  decisionPage(query?: DecisionQuery): Promise<ClientAnswer<DecisionPage>>;
  /** Starts a new session (needs a token granted every name); answers the new session. */
  refresh(): Promise<ClientAnswer<SessionInfo>>;
  validate(
    ref: string,
    body: { readonly input: unknown } | { readonly output: unknown },
  ): Promise<ClientAnswer<InstanceCheck>>;
  /** `ok` with `ready: true` when the LOM answers 200; a 503 is `ok: false` with its errors. */
  health(): Promise<ClientAnswer<Health>>;
  /**
   * Every change of the catalog after `since`, in revision order, none missed and none twice
   * (RULES.md R2), as they happen, from `GET /v1/events`. It reconnects by itself when the
   * stream drops (a LOM restarting, a proxy cutting it, the LOM dropping a client that fell
   * behind) and resumes after the last revision it yielded. It ends when `signal` aborts (or
   * the loop breaks); it throws {@link FollowInterrupted} when the LOM cannot resume from that
   * revision (R3), and an `MrsFailure` for an answer that asking again will not change (`401`).
   *
   * @example
   * for await (const change of lom.follow({ since: 0, signal })) console.log(change.revision, change.type);
   */
  follow(options?: FollowOptions): AsyncIterableIterator<ChangeEvent>;
}

/** The most catalog answers a client keeps for conditional reads (R4); the oldest goes first. */
const MAX_CACHED_ANSWERS = 256;
/** The wait before the first reconnection of {@link MrsClient.follow}, doubled each failure in a row up to the most. */
const FOLLOW_RETRY_MIN_MS = 100;
const FOLLOW_RETRY_MAX_MS = 5_000;

/**
 * A client of a LOM's HTTP API, for the CLI and for module authors. Every method answers data
 * (`{ok: true, value}` or `{ok: false, status, errors}`), never throws for an HTTP failure.
 *
 * @example
 * const lom = mrsClient({ url: "http://127.0.0.1:7420", token: process.env.LOM_TOKEN });
 * const answer = await lom.register(payload);
 * if (!answer.ok) for (const e of answer.errors) console.error(`${e.code} (MRS-${e.rule}) ${e.pointer}: ${e.message}`);
 */
export function mrsClient(options: MrsClientOptions): MrsClient {
  const call = async <T>(
    method: string,
    path: string,
    pick: (body: unknown) => T,
    body?: string | Uint8Array,
  ): Promise<ClientAnswer<T>> => {
    const answer = await exchange(options, method, path, body);
    return answer.ok ? { ok: true, status: answer.status, value: pick(answer.body) } : failed(answer);
  };
  // R4: the last answer of each catalog read and its ETag. Asked again with If-None-Match, a
  // `304` answers the answer held: the LOM sends no body while the catalog stays at that revision.
  const cache = new Map<string, { readonly etag: string; readonly body: unknown }>();
  const read = async <T>(path: string, pick: (body: unknown) => T): Promise<ClientAnswer<T>> => {
    const held = cache.get(path);
    const answer = await exchange(
      options,
      "GET",
      path,
      undefined,
      held === undefined ? {} : { "if-none-match": held.etag },
    );
    if (!answer.ok) return failed(answer);
    if (answer.status === 304 && held !== undefined) {
      return { ok: true, status: 304, value: pick(held.body), ...revisionOf(held.etag) };
    }
    const etag = answer.headers.get("etag");
    cache.delete(path);
    if (etag !== null) {
      cache.set(path, { etag, body: answer.body });
      if (cache.size > MAX_CACHED_ANSWERS) cache.delete(cache.keys().next().value as string);
    }
    return { ok: true, status: answer.status, value: pick(answer.body), ...revisionOf(etag) };
  };
  const as = <T>(body: unknown) => body as T;
  const field =
    <T>(name: string) =>
    (body: unknown) =>
      (body as Record<string, unknown>)[name] as T;

  const heartbeat: MrsClient["heartbeat"] = (name, beat = {}) =>
    call(
      "POST",
      `/v1/modules/${encodeURIComponent(name)}/heartbeat`,
      as<HeartbeatAnswer>,
      JSON.stringify(beat.version === undefined ? {} : { module_version: beat.version }),
    );

  return {
    async register(payload, registerOptions = {}) {
      const body = typeof payload === "string" || payload instanceof Uint8Array ? payload : JSON.stringify(payload);
      const path =
        registerOptions.lease === undefined ? "/v1/registrations" : `/v1/registrations?lease=${registerOptions.lease}`;
      const answer = await exchange(options, "POST", path, body);
      if (answer.ok) return { ok: true, status: answer.status, value: answer.body as ClientRegistration };
      const first = answer.errors[0];
      if (answer.status === 409 && first?.code === "DUPLICATE_REGISTRATION" && first.identical === true) {
        // The 409's body still says which module, version and session held it.
        const held = (answer.body ?? {}) as Partial<Record<"module" | "version" | "sessionId" | "decisionId", unknown>>;
        const text = (value: unknown) => (typeof value === "string" ? value : "");
        return {
          ok: true,
          status: 409,
          value: {
            outcome: "unchanged",
            module: text(held.module),
            version: text(held.version),
            sessionId: text(held.sessionId),
            decisionId: text(held.decisionId),
            warnings: [],
          },
        };
      }
      return failed(answer);
    },
    heartbeat,
    keepAlive(name, keep) {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let inFlight: Promise<unknown> = Promise.resolve();
      const handle: { last: ClientAnswer<HeartbeatAnswer> | undefined } = { last: undefined };
      const beat = () => {
        if (stopped) return;
        inFlight = heartbeat(name, keep.version === undefined ? {} : { version: keep.version }).then((answer) => {
          handle.last = answer;
          keep.onBeat?.(answer);
          // A refusal (404, 409) will not change by asking again; no answer at all (0) or a 5xx may.
          const refused = !answer.ok && answer.status >= 400 && answer.status < 500;
          if (!stopped && !refused) timer = setTimeout(beat, (keep.leaseSeconds * 1000) / 3);
        });
      };
      beat();
      return {
        get last() {
          return handle.last;
        },
        async stop() {
          stopped = true;
          clearTimeout(timer);
          await inFlight;
        },
      };
    },
    deregister: (name) => call("DELETE", `/v1/modules/${encodeURIComponent(name)}`, field<Decision>("decision")),
    session: () => call("GET", "/v1/session", as<SessionInfo>),
    modules: () => read("/v1/modules", field<ModuleView[]>("modules")),
    module: (name) => read(`/v1/modules/${encodeURIComponent(name)}`, as<ModuleView>),
    capabilities: () => read("/v1/capabilities", field<CapabilityView[]>("capabilities")),
    capability: (ref) => read(`/v1/capabilities/${encodeRef(ref)}`, as<CapabilityView>),
    actions: () => read("/v1/actions", as<ActionView[]>),
    decisions: (query) =>
      call("GET", decisionsPath(typeof query === "string" ? { module: query } : query), field<Decision[]>("decisions")),
    decisionPage: (query) => call("GET", decisionsPath(query), as<DecisionPage>),
    refresh: () => call("POST", "/v1/session/refresh", as<SessionInfo>),
    validate: (ref, body) =>
      call("POST", `/v1/capabilities/${encodeRef(ref)}/validate`, as<InstanceCheck>, JSON.stringify(body)),
    health: () => call("GET", "/healthz", as<Health>),
    follow: (followOptions = {}) => follow(options, followOptions),
  };
}

/** One server-sent event: its type (`message` when it named none), its `id:`, its data lines joined. */
interface SseEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/**
 * Reads server-sent events from a body (the WHATWG parsing rules, as EventSource applies them:
 * `\n`, `\r\n` or `\r` line ends, `field: value` with one optional space, comments, a blank line
 * dispatches). A block with an `id:` and no data is still yielded (it moves the last event id).
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffered = "";
  let event = "";
  let id: string | undefined;
  let data: string[] = [];
  let seen = false;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = buffered.search(/\r\n|\r|\n/);
      // A `\r` at the very end may be the first half of a `\r\n`: wait for the next chunk.
      if (end < 0 || (end === buffered.length - 1 && buffered[end] === "\r")) break;
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + (buffered.startsWith("\r\n", end) ? 2 : 1));
      if (line === "") {
        if (seen) yield { event: event === "" ? "message" : event, id, data: data.join("\n") };
        event = "";
        id = undefined;
        data = [];
        seen = false;
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (name === "data") {
        data.push(value);
        seen = true;
      } else if (name === "event") {
        event = value;
      } else if (name === "id" && !value.includes("\0")) {
        id = value;
        seen = true;
      }
    }
  }
}

/** {@link MrsClient.follow}: fetch-based (Node 20 has no EventSource), reconnecting, resuming by revision. */
async function* follow(
  endpoint: MrsClientOptions,
  { since, signal }: FollowOptions,
): AsyncIterableIterator<ChangeEvent> {
  const stop = new AbortController();
  const aborted = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
  let last = since;
  let delay = FOLLOW_RETRY_MIN_MS;
  try {
    while (!aborted.aborted) {
      let again = false;
      // Each connection is aborted before its body is let go: a body cancelled while its request
      // is live makes fetch's pool open a spare connection the LOM then has to wait out on close.
      const connection = new AbortController();
      try {
        const headers: Record<string, string> = { accept: "text/event-stream" };
        if (endpoint.token !== undefined) headers.authorization = `Bearer ${endpoint.token}`;
        if (last !== undefined) headers["last-event-id"] = String(last);
        const path = last === undefined ? "/v1/events" : `/v1/events?since=${last}`;
        const response = await fetch(joinUrl(endpoint.url, path), {
          headers,
          signal: AbortSignal.any([aborted, connection.signal]),
        });
        if (response.status !== 200 || response.body === null) {
          const text = await response.text().catch(() => "");
          // Asking again cannot change a refusal (401, 403, 400); a LOM starting or failing (5xx) may.
          if (response.status >= 400 && response.status < 500) {
            throw new MrsFailure(errorsOf(parseOrNull(text), `GET ${path}`, response.status));
          }
        } else {
          delay = FOLLOW_RETRY_MIN_MS;
          const messages = readServerSentEvents(response.body);
          try {
            for (let read = await messages.next(); !read.done; read = await messages.next()) {
              const message = read.value;
              if (message.event === "message") {
                const change = parseOrNull(message.data) as ChangeEvent | null;
                if (change === null || typeof change.revision !== "number") continue;
                if (last !== undefined && change.revision <= last) continue;
                last = change.revision;
                yield change;
              } else if (message.event === "compacted" || message.event === "reset") {
                throw interrupted(message.event, parseOrNull(message.data), last ?? 0);
              } else if (message.event === "overflow") {
                // This client fell behind and was dropped: resume at once, where it was.
                again = true;
                break;
              } else if (last === undefined && message.id !== undefined && /^\d+$/.test(message.id)) {
                // The stream's opening `id:` (no data): the revision it starts from.
                last = Number(message.id);
              }
            }
          } finally {
            connection.abort();
            await messages.return(undefined).catch(() => undefined);
          }
        }
      } catch (error) {
        if (aborted.aborted) return;
        if (error instanceof MrsFailure) throw error;
        // Dropped or refused: reconnected below.
      }
      if (aborted.aborted) return;
      if (again) continue;
      await pause(delay, aborted);
      delay = Math.min(delay * 2, FOLLOW_RETRY_MAX_MS);
    }
  } finally {
    // A loop that breaks (or a signal that aborts) closes the connection.
    stop.abort();
  }
}

/** `{revision}` from an ETag of the API (`"r12"`, `W/"r12"`), or nothing. */
function revisionOf(etag: string | null): { revision?: number } {
  const match = /^(?:W\/)?"r(\d+)"$/.exec(etag ?? "");
  return match === null ? {} : { revision: Number(match[1]) };
}

/** The error of a terminal `compacted` or `reset` event. */
function interrupted(kind: "compacted" | "reset", data: unknown, since: number): FollowInterrupted {
  const body = (data ?? {}) as { oldest?: unknown; revision?: unknown; errors?: unknown };
  const revision = Number(kind === "compacted" ? body.oldest : body.revision);
  const errors =
    kind === "compacted" && Array.isArray(body.errors) && body.errors.length > 0
      ? (body.errors as MrsError[])
      : [
          mrsError(
            "REVISION_COMPACTED",
            "",
            kind === "compacted"
              ? `the changes after revision ${since} are no longer kept: the oldest revision held is ${revision}`
              : `the LOM's store does not hold revision ${since}: its latest is ${revision} (a new store)`,
            { hint: "read the catalog again and follow from its revision (the ETag of GET /v1/modules)" },
          ),
        ];
  return new FollowInterrupted(errors, kind, since, revision);
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Waits `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** `/v1/decisions` with the query's parameters. */
function decisionsPath(query: DecisionQuery = {}): string {
  const params = new URLSearchParams();
  if (query.module !== undefined) params.set("module", query.module);
  if (query.limit !== undefined) params.set("limit", String(query.limit));
  if (query.before !== undefined) params.set("before", query.before);
  const search = params.toString();
  return search === "" ? "/v1/decisions" : `/v1/decisions?${search}`;
}

/** `module/action` keeps its slash (the API takes it raw); each part is encoded on its own. */
function encodeRef(ref: string): string {
  return ref.split("/").map(encodeURIComponent).join("/");
}

/** The failure as the client shows it: status and errors only. */
function failed(answer: { status: number; errors: readonly MrsError[] }): ClientAnswer<never> {
  return { ok: false, status: answer.status, errors: answer.errors };
}
