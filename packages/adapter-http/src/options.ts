import { type CompatibilityPolicy, MAX_PAYLOAD_BYTES, type Registry, type RegistryStore } from "@rune/mrs-core";
import type { TokenGrant } from "./auth.js";
import type { MrsMetrics } from "./metrics.js";

/**
 * RULES.md E11: the largest registration payload (core's `MAX_PAYLOAD_BYTES`, the one limit), and
 * the largest JSON body of any other call.
 */
export const MAX_BODY_BYTES = MAX_PAYLOAD_BYTES;
/**
 * The largest body of `POST /v1/store/commit`: one group commit of a registry (up to 1,000
 * registrations, each with its payload of up to 1 MiB, RULES.md E11) can be far more than one
 * payload; only a token granted every name may send it. A batch larger than this is refused
 * whole (413 `PAYLOAD_TOO_LARGE`): a commit is all or nothing.
 */
export const MAX_STORE_BODY_BYTES = 64 * 1024 * 1024;
/** The most decisions one page of `GET /v1/decisions` holds, and the default. */
export const MAX_DECISIONS_PAGE = 1_000;
/** The most changes one answer of `GET /v1/store/changes` holds, and the default. */
export const MAX_CHANGES_PAGE = 1_000;
/** Interval of the comments that keep `GET /v1/events` streams alive, by default. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Bytes an event stream may hold unsent before its client counts as stalled, by default. */
export const DEFAULT_EVENT_BUFFER_BYTES = 1024 * 1024;

/** Options of {@link mrsHttpApi}. */
export interface MrsHttpApiOptions {
  /** The registry the API serves (started by the host: `GET /healthz` answers 503 until it is). */
  readonly registry: Registry;
  /**
   * Bearer tokens and the module names each may register (RULES.md A1-A2). Without any,
   * registering and refreshing over HTTP are refused (401).
   */
  readonly tokens?: readonly TokenGrant[];
  /** Whether reading the catalog needs a token (any configured one). Default `"open"`. */
  readonly read?: "open" | "token";
  /**
   * The store behind `registry`. When given, `GET /v1/store`, `GET /v1/store/changes` and
   * `POST /v1/store/commit` serve it (for {@link httpStore} clients: another LOM or a CLI
   * sharing this catalog); without it those routes do not exist. Commits are checked against
   * the rules (`verifyChanges`) on the registry's state before they reach the store.
   */
  readonly store?: RegistryStore;
  /**
   * For a host that listens before its registry has started (`lom start` does, so that a probe
   * can learn what it waits for): what the start still waits for, in a few words
   * (`"discovering from 2 sources"`, `"opening the store"`), or `null` once `registry.start()`
   * has resolved. While it names something, `GET /healthz` answers 503 saying it, and every
   * request that writes (registrations, heartbeats, deregistrations, refreshes, `/v1/store`)
   * answers 503 `STORE_UNAVAILABLE` without reaching the registry: nothing is decided into a
   * session that discovery has not resumed yet. Default: the host started the registry first.
   */
  readonly startup?: () => string | null;
  /**
   * The Prometheus series `GET /metrics` serves ({@link mrsMetrics}). Default: a fresh set for
   * this API, in a registry of its own (never prom-client's global one). Pass one to have store
   * commit durations too: the registry's store wrapped with `metrics.timeStore(store)`.
   */
  readonly metrics?: MrsMetrics;
  /** Interval of the comments that keep `GET /v1/events` streams alive through proxies. Default 15 s. */
  readonly heartbeatMs?: number;
  /**
   * Bytes a `GET /v1/events` stream may hold unsent (what its client has not read yet). Past it,
   * the stream sends nothing more until the client has taken it, holding the changes meanwhile
   * (at most 4 times this much of them; beyond, they are read from the store when the client
   * catches up). A client that takes none of it for two heartbeat intervals is sent an
   * `overflow` event and dropped (it resumes with `Last-Event-ID`). So a client that stops
   * reading costs the server about this much, never more. Default 1 MiB.
   */
  readonly eventBufferBytes?: number;
  /**
   * The compatibility policy (RULES.md C2) that commits through `POST /v1/store/commit` are held
   * to: pass the one `registry` was created with. Under `strict`, an upgrade from another writer
   * that breaks callers without declaring it is refused, whatever that writer's own policy.
   * Default `warn`: the writer's decision stands.
   */
  readonly compatibility?: CompatibilityPolicy;
}
