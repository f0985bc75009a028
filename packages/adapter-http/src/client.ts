import type { Decision, DecisionQuery, InstanceCheck, MrsError, SessionInfo } from "@rune/mrs-core";
import type { ActionView, CapabilityView, LeaseView, ModuleView, RegistrationAnswer } from "./schemas.js";
import { exchange } from "./transport.js";

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
  | { readonly ok: true; readonly status: number; readonly value: T }
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
}

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
    modules: () => call("GET", "/v1/modules", field<ModuleView[]>("modules")),
    module: (name) => call("GET", `/v1/modules/${encodeURIComponent(name)}`, as<ModuleView>),
    capabilities: () => call("GET", "/v1/capabilities", field<CapabilityView[]>("capabilities")),
    capability: (ref) => call("GET", `/v1/capabilities/${encodeRef(ref)}`, as<CapabilityView>),
    actions: () => call("GET", "/v1/actions", as<ActionView[]>),
    decisions: (query) =>
      call("GET", decisionsPath(typeof query === "string" ? { module: query } : query), field<Decision[]>("decisions")),
    decisionPage: (query) => call("GET", decisionsPath(query), as<DecisionPage>),
    refresh: () => call("POST", "/v1/session/refresh", as<SessionInfo>),
    validate: (ref, body) =>
      call("POST", `/v1/capabilities/${encodeRef(ref)}/validate`, as<InstanceCheck>, JSON.stringify(body)),
    health: () => call("GET", "/healthz", as<Health>),
  };
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
