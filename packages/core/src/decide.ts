import type { RegistrationPayload } from "@rune/mrs-schema";
import { holdPayloadJson } from "./change-json.js";
import type { Change } from "./changes.js";
import { compareRegistrations } from "./compat/compare-registrations.js";
import type { CompatibilityReport } from "./compat/types.js";
import { type MrsError, type MrsWarning, mrsError, mrsWarning } from "./errors.js";
import type { CatalogData, Decision, ModuleRecord, Session } from "./model.js";
import { resolveRegistration } from "./resolution.js";
import type { ValidationResult } from "./validation-types.js";

/** A registration after validation, ready to be decided on. */
export interface CheckedRegistration {
  readonly result: ValidationResult<RegistrationPayload>;
  readonly source: string;
  /** Best-effort name and version of a rejected payload, so that `lom why NAME` finds it. */
  readonly module: string | null;
  readonly version: string | null;
  /** What was received, as a SHA-256 (see `Decision.digest`); `null` when nothing was (a source that failed). */
  readonly digest: string | null;
  /** The lease granted with it, in seconds (already clamped, RULES.md L1); absent: it lives for the session. */
  readonly lease?: number;
  /**
   * `result.value` as JSON text (the digest's), when that value cannot change: kept for the
   * store while its record is committed (see `change-json.ts`).
   */
  readonly json?: string;
}

/** How {@link decideRegistrations} stamps what it records. */
export interface Stamp {
  readonly now: () => string;
  readonly newId: () => string;
}

/**
 * What a batch of registrations comes to: the changes to commit, and the decisions, in order:
 * one per registration, but for those found `unchanged` (only with {@link DecideOptions.rediscovery}).
 */
export interface Decided {
  /** What to commit (empty: nothing to record). */
  readonly changes: readonly Change[];
  readonly decisions: readonly Decision[];
  /** Registrations identical to one the session already decided on: not decided again, not recorded. */
  readonly unchanged: number;
}

/**
 * What an upgrade that breaks callers without declaring it gets (RULES.md C2): accepted with a
 * warning (`warn`, the default), rejected (`strict`), or not compared at all (`off`).
 */
export type CompatibilityPolicy = "warn" | "strict" | "off";

/** Options of {@link decideRegistrations}. */
export interface DecideOptions {
  /** RULES.md C2. Default `warn`. */
  readonly compatibility?: CompatibilityPolicy;
  /** Open this new session first and decide against its empty catalog (a first start, or a refresh: S10). */
  readonly openSession?: Session;
  /**
   * Discovery into a resumed session (RULES.md, "Sessions"): a payload identical to one the
   * session already decided on, whatever that decision was, is `unchanged`: not a new
   * rejection, no new decision. A LOM that restarts neither paints every module red nor grows
   * its decision log.
   */
  readonly rediscovery?: boolean;
}

/**
 * Decides registrations in order against a session (RULES.md S1-S6, S9) and returns the changes
 * that record them. Pure: `held` is only read. Later registrations of a batch see the earlier
 * ones, so a batch decides exactly as the same registrations one by one would (S7).
 *
 * @param held - the state at the revision the changes will be committed on; `null` (an empty
 *   store) needs `options.openSession`.
 */
export function decideRegistrations(
  held: CatalogData | null,
  items: readonly CheckedRegistration[],
  stamp: Stamp,
  options: DecideOptions = {},
): Decided {
  const opening = options.openSession;
  if (opening === undefined && held === null) throw new Error("no session to decide in: pass openSession");
  const session = opening ?? (held as CatalogData).session;
  const base = opening === undefined ? (held as CatalogData).modules : {};
  /** Modules put by this batch so far, over `base`. */
  const put = new Map<string, ModuleRecord>();
  const heldUnder = (name: string) => put.get(name) ?? (Object.hasOwn(base, name) ? base[name] : undefined);

  const changes: Change[] = opening === undefined ? [] : [{ type: "session.opened", session: opening }];
  const decisions: Decision[] = [];
  let unchanged = 0;
  const decided = options.rediscovery && held !== null ? digestsOf(held) : new Set<string>();
  const record = (decision: Decision) => {
    decisions.push(decision);
    changes.push({ type: "decision.recorded", decision });
  };

  for (const item of items) {
    if (item.digest !== null && decided.has(item.digest)) {
      unchanged += 1;
      continue;
    }
    const at = stamp.now();
    const id = stamp.newId();
    const stamped: Stamped = { id, sessionId: session.id, at, source: item.source, digest: item.digest };
    if (!item.result.ok) {
      record(rejected(stamped, item.module, item.version, item.result.errors, item.result.warnings));
      continue;
    }
    const payload = item.result.value;
    const { module_name: name, module_version: version } = payload.registration_metadata;
    const resolution = resolveRegistration(heldUnder(name), payload);
    if (resolution.kind === "rejected") {
      // The accepted decision of the payload held may have left the bounded log: still unchanged.
      if (options.rediscovery && resolution.error.identical) unchanged += 1;
      else record(rejected(stamped, name, version, [resolution.error], item.result.warnings));
      continue;
    }
    const compared =
      resolution.kind === "upgraded" && options.compatibility !== "off"
        ? compareRegistrations(resolution.previous.payload, payload)
        : undefined;
    const undeclared = compared?.breaking === true && !compared.declared;
    if (undeclared && options.compatibility === "strict") {
      record(rejected(stamped, name, version, [undeclaredBreak("error", compared, version)], item.result.warnings));
      continue;
    }
    const warnings = undeclared
      ? [...item.result.warnings, undeclaredBreak("warning", compared, version)]
      : item.result.warnings;
    const accepted: ModuleRecord = {
      payload,
      source: item.source,
      acceptedAt: at,
      decisionId: id,
      ...(item.lease === undefined ? {} : { lease: { seconds: item.lease } }),
    };
    if (item.json !== undefined) holdPayloadJson(accepted, item.json);
    put.set(name, accepted);
    const upgrade =
      resolution.kind === "upgraded"
        ? { previousVersion: resolution.previous.payload.registration_metadata.module_version, compatibility: compared }
        : undefined;
    record(decisionOf(stamped, upgrade === undefined ? "accepted" : "upgraded", name, version, [], warnings, upgrade));
    changes.push({ type: "module.put", record: accepted });
  }
  return { changes, decisions, unchanged };
}

/** The digests of the decisions a session holds. */
function digestsOf(held: CatalogData): Set<string> {
  const digests = new Set<string>();
  for (const decision of held.decisions) if (decision.digest !== undefined) digests.add(decision.digest);
  return digests;
}

/** What every decision of a batch starts with; `digest` is `null` when nothing was received. */
interface Stamped {
  readonly id: string;
  readonly sessionId: string;
  readonly at: string;
  readonly source: string;
  readonly digest: string | null;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A decision, its members set one by one in the order it is written (the store's JSON, the
 * API's). Not `{ ...stamped, outcome, ... }`: Node 20's V8 builds an object spread followed by
 * more members on a slow path, measured at 0.5-3.4 µs against ~40 ns for this, on every
 * registration (issue #16's POST profile).
 */
function decisionOf(
  stamped: Stamped,
  outcome: Decision["outcome"],
  module: string | null,
  version: string | null,
  errors: readonly MrsError[],
  warnings: readonly MrsWarning[],
  upgrade?: { readonly previousVersion: string; readonly compatibility: CompatibilityReport | undefined },
): Decision {
  const decision: Writable<Decision> = {
    id: stamped.id,
    sessionId: stamped.sessionId,
    at: stamped.at,
    source: stamped.source,
  } as Writable<Decision>;
  if (stamped.digest !== null) decision.digest = stamped.digest;
  decision.outcome = outcome;
  decision.module = module;
  decision.version = version;
  if (upgrade !== undefined) {
    decision.previousVersion = upgrade.previousVersion;
    if (upgrade.compatibility !== undefined) decision.compatibility = upgrade.compatibility;
  }
  decision.errors = errors;
  decision.warnings = warnings;
  return decision;
}

/** The C2 finding of an upgrade that breaks callers without the version bump that declares it. */
function undeclaredBreak(as: "error", report: CompatibilityReport, version: string): MrsError;
function undeclaredBreak(as: "warning", report: CompatibilityReport, version: string): MrsWarning;
function undeclaredBreak(as: "error" | "warning", report: CompatibilityReport, version: string): MrsError | MrsWarning {
  const differences = report.differences.filter((d) => d.breaking !== false);
  const message = `${version} breaks callers in ${differences.length} place${differences.length === 1 ? "" : "s"} without the version bump that declares it: ${differences.map((d) => d.message).join("; ")}`;
  const hint =
    "bump the major version (for 0.y.z, the minor), or keep inputs accepting what they accepted and outputs promising what they promised; `lom diff OLD NEW` lists the differences";
  const pointer = "/registration_metadata/module_version";
  return as === "error"
    ? mrsError("BREAKING_CHANGE_UNDECLARED", pointer, message, { hint, differences })
    : { ...mrsWarning("BREAKING_CHANGE_UNDECLARED", pointer, message, hint), differences };
}

function rejected(
  stamped: Stamped,
  module: string | null,
  version: string | null,
  errors: readonly MrsError[],
  warnings: readonly MrsWarning[],
): Decision {
  return decisionOf(stamped, "rejected", module, version, errors, warnings);
}
