import type { Capability, RegistrationPayload } from "@rune/mrs-schema";
import type { CompatibilityPolicy } from "./decide.js";
import type { MrsError, MrsWarning } from "./errors.js";
import type { LeaseBounds } from "./leases.js";
import type { Decision, ModuleRecord, Session } from "./model.js";
import type { RegistrationInput, RegistrationSource } from "./source.js";
import type { ChangesPage, RegistryStore } from "./store.js";
import type { InstanceCheck, ValidationResult } from "./validation-types.js";

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** Where the session and catalog live. */
  readonly store: RegistryStore;
  /** Where modules are discovered at start and on refresh. */
  readonly sources?: readonly RegistrationSource[];
  /** The time source (tests pass a fixed clock). Default: `() => new Date()`. */
  readonly clock?: () => Date;
  /** Id generator for sessions and decisions. Default: `crypto.randomUUID`. */
  readonly newId?: () => string;
  /** What an upgrade that breaks callers without declaring it gets (RULES.md C2). Default `warn`. */
  readonly compatibility?: CompatibilityPolicy;
  /** Lease bounds in seconds (RULES.md L1, L3). Default `{ min: 10, max: 86400, grace: 300 }`. */
  readonly leases?: Partial<LeaseBounds>;
  /**
   * The monotonic clock leases are measured on, in ms (L6: a change of the wall clock expires
   * nothing). Default: `performance.now`. Tests pass a fake one.
   */
  readonly monotonic?: () => number;
}

/** Options of {@link Registry.register}. */
export interface RegisterOptions {
  /** Ask for a lease of this many seconds (L1): clamped to the bounds; not a positive integer: `INVALID_LEASE`. */
  readonly lease?: number;
}

/** A module's lease as readers see it (L1-L3). */
export interface LeaseInfo {
  /** The lease granted, in seconds. */
  readonly seconds: number;
  /** When it expires (live) or when the module is removed (expired), as an ISO 8601 UTC time. */
  readonly expiresAt: string;
  readonly state: "live" | "expired";
}

/** Options of {@link Registry.heartbeat}. */
export interface HeartbeatOptions {
  /** The version the module heartbeats as (L2): another version held renews nothing. */
  readonly version?: string;
  /** Where it came from, for the decision when it makes an expired module live again. */
  readonly source?: string;
}

/** The answer to a heartbeat (L2): the lease renewed, or why not. */
export type HeartbeatResult =
  | { readonly ok: true; readonly module: string; readonly version: string; readonly lease: LeaseInfo }
  | { readonly ok: false; readonly errors: readonly MrsError[] };

/** The answer to a deregistration (L4): its decision, or why not. */
export type DeregisterResult =
  | { readonly ok: true; readonly decision: Decision }
  | { readonly ok: false; readonly errors: readonly MrsError[] };

/** The answer to one registration. */
export type RegisterResult =
  | {
      readonly ok: true;
      readonly outcome: "accepted" | "upgraded";
      readonly module: string;
      readonly version: string;
      /** For `upgraded`: the version it replaced. */
      readonly previousVersion?: string;
      /** The lease granted, when one was asked for (L1). */
      readonly lease?: LeaseInfo;
      readonly sessionId: string;
      readonly decision: Decision;
      readonly warnings: readonly MrsWarning[];
    }
  | {
      readonly ok: false;
      readonly outcome: "rejected";
      readonly module: string | null;
      readonly version: string | null;
      /** `null` when the store could not be reached (S11): nothing was recorded. */
      readonly sessionId: string | null;
      readonly decision: Decision | null;
      readonly errors: readonly MrsError[];
      readonly warnings: readonly MrsWarning[];
    };

/** What a start or a refresh did: the session and one decision per discovered registration. */
export interface DiscoveryReport {
  readonly session: Session;
  /** `true` when a session held by the store was resumed, `false` when a new one was opened. */
  readonly resumed: boolean;
  readonly sources: number;
  /** The decisions made and recorded, one per registration found but for those unchanged. */
  readonly decisions: readonly Decision[];
  /** Registrations found identical to one the session already decided on: not decided again (RULES.md, "Sessions"). */
  readonly unchanged: number;
}

/** The session with its counts, as `GET /v1/session` shows it. */
export interface SessionInfo extends Session {
  readonly modules: number;
  readonly capabilities: number;
  readonly decisions: number;
  readonly rejected: number;
}

/** One capability of the catalog with its address (`module/action`, RULES.md S8). */
export interface CapabilityEntry {
  /** `module/action`: always unique. */
  readonly address: string;
  readonly module: string;
  readonly version: string;
  readonly capability: Capability;
  /** The shortest name that resolves to it: the bare action when only one module declares it. */
  readonly name: string;
}

/**
 * A change of the catalog as an event, for the HTTP API's event stream and the dashboard, with
 * the revision of the store's change it comes from (RULES.md R1, R2).
 */
export type RegistryEvent =
  | { readonly type: "decision"; readonly revision: number; readonly decision: Decision }
  | { readonly type: "session"; readonly revision: number; readonly session: Session }
  /** A module changed in the catalog. */
  | {
      readonly type: "module";
      readonly revision: number;
      readonly module: string;
      /** Put in the catalog (with its `record`), taken out of it, expired, or live again (L3, L4). */
      readonly action: "put" | "removed" | "expired" | "live";
      readonly record?: ModuleRecord;
    };

/** Which decisions {@link Registry.decisions} returns. */
export interface DecisionQuery {
  /** Only the decisions about this module name. */
  readonly module?: string;
  /** Only the decisions older than the one with this id (the next page back). */
  readonly before?: string;
  /** At most this many, the newest of those that match. */
  readonly limit?: number;
}

/**
 * The registry: sessions, version resolution and the catalog (RULES.md S1-S11, I1-I2),
 * on a {@link RegistryStore}. Reads are served from memory; writes go through the store.
 */
export interface Registry {
  /** Resumes the store's session (or opens one; `refresh: true` forces a new one) and runs discovery on the sources. */
  start(options?: { readonly refresh?: boolean }): Promise<DiscoveryReport>;
  /** Registers one payload (value, raw JSON text, or a source's errors), with a lease if asked for (L1). Never throws. */
  register(input: RegistrationInput, source: string, options?: RegisterOptions): Promise<RegisterResult>;
  /**
   * Renews a module's lease for its full length (L2): no durable write, unless the module had
   * expired and comes back to life (a recorded decision, L3). `UNKNOWN_MODULE`,
   * `VERSION_SUPERSEDED` (another version held) or `NO_LEASE` otherwise. Throws before start.
   */
  heartbeat(name: string, options?: HeartbeatOptions): Promise<HeartbeatResult>;
  /** Takes a module out of the catalog at once (L4): a recorded decision. `UNKNOWN_MODULE` for a name not held. */
  deregister(name: string, options?: { readonly source?: string }): Promise<DeregisterResult>;
  /** The lease of the module held under `name`, if it has one. */
  lease(name: string): LeaseInfo | undefined;
  /** Opens a new session, built off to the side from the sources and swapped in at once (S10). */
  refresh(): Promise<DiscoveryReport>;
  /** Follows the store: applies the changes other writers committed since the revision held. */
  reload(): Promise<void>;
  /**
   * The store's changes after revision `since` (RULES.md R2, R3), at most `limit`: for readers
   * that replay what they missed. Answers `compacted` when `since` is older than the store keeps.
   */
  changes(since: number, limit?: number): Promise<ChangesPage>;

  /** The current session with its counts. Throws before {@link Registry.start}. */
  session(): SessionInfo;
  /** Every module held, sorted by name. */
  modules(): readonly ModuleRecord[];
  /** The module held under `name`, if any. */
  module(name: string): ModuleRecord | undefined;
  /** Every capability with its address, sorted by address. */
  capabilities(): readonly CapabilityEntry[];
  /** Resolves `action` or `module/action` (S8): `UNKNOWN_ACTION`, or `AMBIGUOUS_ACTION` with the candidates. */
  resolveAction(ref: string): ValidationResult<CapabilityEntry>;
  /**
   * The session's decisions (the latest `MAX_DECISIONS`), oldest first. Page back through them
   * with `limit` and `before` (the id of the oldest decision of the page already read).
   */
  decisions(query?: DecisionQuery): readonly Decision[];
  /**
   * Validates an action's input against its `input_schema` (I1, I2), with a validator compiled
   * once per schema. An unresolvable `ref` gives `UNKNOWN_ACTION` / `AMBIGUOUS_ACTION` errors.
   */
  validateInput(ref: string, input: unknown): InstanceCheck;
  /** Validates an action's output against its `output_schema` (I1, I2); see {@link Registry.validateInput}. */
  validateOutput(ref: string, output: unknown): InstanceCheck;

  /** Calls `listener` for every decision and session change. Returns an unsubscribe function. */
  subscribe(listener: (event: RegistryEvent) => void): () => void;
  /** `true` once started and while the store answers. */
  readonly ready: boolean;
  /** The revision of the store's state this registry holds (RULES.md R1); 0 before it has one. */
  readonly revision: number;
  /** Stops watching, closes sources and the store. */
  close(): Promise<void>;
}

export type { RegistrationPayload };
