import type { RegistrationPayload } from "@rune/mrs-schema";
import type { CompatibilityReport } from "./compat/types.js";
import type { MrsError, MrsWarning, RuleId } from "./errors.js";

/**
 * The data of a registry, as stores keep it. Plain JSON (no Dates, no Maps), so that any
 * store can serialise it as it is.
 */

/** A runtime session: a period of the registry with an id (RULES.md, "Sessions"). */
export interface Session {
  readonly id: string;
  /** ISO 8601 UTC time the session was opened. */
  readonly startedAt: string;
}

/** A registration the session accepted. */
export interface ModuleRecord {
  readonly payload: RegistrationPayload;
  /** Where it came from: `folder:modules/s3.json`, `url:http://...`, `http:127.0.0.1`, ... */
  readonly source: string;
  /** ISO 8601 UTC time it was accepted. */
  readonly acceptedAt: string;
  /** The decision that accepted it. */
  readonly decisionId: string;
  /** The lease it was granted (RULES.md L1): it lives while heartbeats renew it. Absent: it lives for the session. */
  readonly lease?: { readonly seconds: number };
  /** `expired` once its lease ran out (L3): listed, not resolvable, removed after the grace period. Absent: live. */
  readonly state?: "expired";
}

/**
 * What the registry decided: about one registration (RULES.md S2-S5: `accepted`, `upgraded`,
 * `rejected`), or about a module's life (L3: `expired`, `revived` by a heartbeat in the grace
 * period, `removed` after it; L4: `deregistered`).
 */
export type Outcome = "accepted" | "upgraded" | "rejected" | "expired" | "revived" | "removed" | "deregistered";

/** One recorded decision (RULES.md S9): the answer to "why is my module not loaded?". */
export interface Decision {
  readonly id: string;
  readonly sessionId: string;
  /** ISO 8601 UTC time of the decision. */
  readonly at: string;
  readonly source: string;
  readonly outcome: Outcome;
  /** The module name, when the payload got far enough to have one. */
  readonly module: string | null;
  readonly version: string | null;
  /** For `upgraded`: the version it replaced. */
  readonly previousVersion?: string;
  /** For `upgraded`: how the new version compares with the one it replaced (RULES.md C1, C2). */
  readonly compatibility?: CompatibilityReport;
  /** For the decisions about a module's life: the rule that made it (`L3`, `L4`). */
  readonly rule?: RuleId;
  /**
   * A SHA-256 (hex) of what was received (the payload as JSON, or the text that did not parse),
   * so that a payload rediscovered at a restart is known as one already decided on.
   */
  readonly digest?: string;
  readonly errors: readonly MrsError[];
  readonly warnings: readonly MrsWarning[];
}

/**
 * The state of a store: the current session and its catalog. Stores keep it as a log of changes
 * (`Change`, RULES.md R1); this is what the log adds up to. A registration replaced by an upgrade
 * (S3) stays in the log (its `module.put`) and in the decisions (`previousVersion`).
 */
export interface CatalogData {
  readonly session: Session;
  /** The accepted registration of each module name (S1), by name. */
  readonly modules: Readonly<Record<string, ModuleRecord>>;
  /** The session's latest decisions (S9), oldest first; the oldest are dropped past {@link MAX_DECISIONS}. */
  readonly decisions: readonly Decision[];
}

/** How many decisions a session keeps: enough for `lom why`, bounded against floods of bad payloads. */
export const MAX_DECISIONS = 10_000;
