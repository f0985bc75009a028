import type { RegistrationPayload } from "@rune/mrs-schema";
import type { Change } from "./changes.js";
import { compareRegistrations } from "./compat/compare-registrations.js";
import type { CompatibilityReport } from "./compat/types.js";
import type { CompatibilityPolicy } from "./decide.js";
import { type MrsError, type MrsWarning, mrsError, toPointer } from "./errors.js";
import type { CatalogData, ModuleRecord, Session } from "./model.js";
import { resolveRegistration } from "./resolution.js";
import { MAX_PAYLOAD_BYTES, validateRegistration } from "./validate.js";
import { utf8Exceeds, utf8Length } from "./validation/utf8.js";
import type { ValidationResult } from "./validation-types.js";

/** Options of {@link verifyChanges}. */
export interface VerifyChangesOptions {
  /**
   * The JSON Pointer of the list of changes in the document that carried it, prefixed to every
   * error's pointer. Default `/changes` (the body of `POST /v1/store/commit`).
   */
  readonly at?: string;
  /**
   * The compatibility policy of the LOM that stores the changes (RULES.md C2). Under `strict`,
   * an upgrade that breaks callers without declaring it is refused (`BREAKING_CHANGE_UNDECLARED`),
   * whatever the writer's own policy. Default `warn`: the writer's decision stands.
   */
  readonly compatibility?: CompatibilityPolicy;
}

/** The most errors one call reports: a batch of a thousand broken payloads is refused all the same. */
export const MAX_VERIFY_ERRORS = 100;

/**
 * The kinds of change this check knows how to judge, with their members. A kind it does not
 * know is refused, never let through unchecked: a new kind of change is verified before a
 * client may send it.
 */
const CHANGE_MEMBERS = {
  "session.opened": ["type", "session"],
  "module.put": ["type", "record"],
  "module.removed": ["type", "module"],
  "module.state": ["type", "module", "state"],
  "decision.recorded": ["type", "decision"],
} as const satisfies Partial<Record<Change["type"], readonly string[]>>;
type VerifiedType = keyof typeof CHANGE_MEMBERS;
const VERIFIED_TYPES = Object.keys(CHANGE_MEMBERS) as VerifiedType[];

/** The members each part of a change may have: anything else is malformed. */
const MEMBERS = {
  session: ["id", "startedAt"],
  record: ["payload", "source", "acceptedAt", "decisionId", "lease"],
  decision: [
    "id",
    "sessionId",
    "at",
    "source",
    "outcome",
    "module",
    "version",
    "previousVersion",
    "compatibility",
    "rule",
    "digest",
    "errors",
    "warnings",
  ],
  issue: ["code", "rule", "pointer", "message", "hint", "identical", "candidates", "differences"],
} as const;

/** The decisions about a module's life (RULES.md L3, L4), each with the rule that makes it and the change it records. */
const LIFE = {
  expired: { rule: "L3", change: "module.state", state: "expired" },
  revived: { rule: "L3", change: "module.state", state: "live" },
  removed: { rule: "L3", change: "module.removed" },
  deregistered: { rule: "L4", change: "module.removed" },
} as const;
type LifeOutcome = keyof typeof LIFE;
const OUTCOMES = ["accepted", "upgraded", "rejected", ...(Object.keys(LIFE) as LifeOutcome[])];
const isLife = (outcome: unknown): outcome is LifeOutcome =>
  typeof outcome === "string" && Object.hasOwn(LIFE, outcome);

/** A SHA-256 in hex, as `Decision.digest` holds it. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** An ISO 8601 UTC time as `Date.prototype.toISOString` writes it (fractional seconds optional). */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

type Json = Record<string, unknown>;

/** A `module.put` of the batch that passed its own checks, waiting for its decision. */
interface Put {
  readonly index: number;
  readonly segment: number;
  readonly decisionId: string;
  readonly module: string;
  readonly version: string;
  readonly outcome: "accepted" | "upgraded";
  readonly previousVersion?: string;
  /** For an upgrade: how it compares with the version it replaces (C1). */
  readonly compatibility?: CompatibilityReport;
}

/** An accepted or upgraded `decision.recorded` of the batch, waiting for its put. */
interface Claim {
  readonly index: number;
  readonly segment: number;
  readonly decision: Json;
}

/**
 * Checks a batch of changes that a writer outside this process (an `httpStore` client) wants
 * committed on a store whose state is `held`, as the registry itself would have decided them:
 * nothing is stored that the rules (RULES.md E1-E12, S1-S11) would not have let through. Pure:
 * `held` is only read. It checks that
 *
 * - every change has the shape of a {@link Change} (`INVALID_REQUEST` at the offending member);
 * - a batch on an empty store (`held` null) opens a session first;
 * - every `module.put` carries a payload that passes `validateRegistration` (E1-E12, with their
 *   codes, at `/changes/N/record/payload/...`) and is a legal step against `held` and the
 *   changes of the batch before it: a new name (S2) or a higher version (S3, S6), never one
 *   that S4 (`VERSION_SUPERSEDED`) or S5 (`DUPLICATE_REGISTRATION`) would refuse (S1 follows);
 * - each put is paired with its `decision.recorded` in the same session: the decision whose id
 *   is the record's `decisionId`, with the outcome the put is (`accepted` or `upgraded`, with the
 *   version it replaced), the same module and version; and each accepted or upgraded decision
 *   has its put (S9: the log says why every module is there);
 * - an upgrade's decision that keeps a comparison (C1) has the verdict the two versions compare
 *   to (`breaking`, `declared`); under `options.compatibility: "strict"` an upgrade that breaks
 *   callers without declaring it is `BREAKING_CHANGE_UNDECLARED` (C2);
 * - every decision belongs to the session in force where it stands (S9), and decision ids are
 *   not reused within the batch;
 * - a module's life (L1, L3, L4): a put's lease is a positive whole number of seconds
 *   (`INVALID_LEASE`); a `module.state` or `module.removed` comes right after the decision that
 *   records it (`expired`, `revived`, `removed` with rule L3, `deregistered` with L4, naming the
 *   module and version held), and is a legal step: only a module with a lease expires, only an
 *   expired one is revived or removed (L3), any held module may be deregistered (L4); a name
 *   removed may register again (L5).
 *
 * It reads only `held.session` and `held.modules` under the names the batch touches (never
 * `held.decisions`), so a caller may pass a partial view holding just those: the check costs
 * what the batch is, never the size of the catalog.
 *
 * @returns the changes, typed, when every check passes; otherwise every fault found (at most
 *   {@link MAX_VERIFY_ERRORS}), each with its code, rule and JSON Pointer. Warnings are the
 *   payloads' own (E9b), at their pointers in the batch.
 *
 * @example
 * const verdict = verifyChanges(held, body.changes);
 * if (!verdict.ok) return reply.code(statusOf(verdict.errors)).send({ errors: verdict.errors });
 * await store.commit(expected, verdict.value);
 */
export function verifyChanges(
  held: CatalogData | null,
  changes: unknown,
  options: VerifyChangesOptions = {},
): ValidationResult<readonly Change[]> {
  const base = options.at ?? "/changes";
  const policy = options.compatibility ?? "warn";
  const errors: MrsError[] = [];
  const warnings: MrsWarning[] = [];
  const report = (error: MrsError) => {
    if (errors.length < MAX_VERIFY_ERRORS) errors.push(error);
  };
  const malformed = (pointer: string, message: string, hint?: string) =>
    report(mrsError("INVALID_REQUEST", pointer, message, hint === undefined ? {} : { hint }));

  if (!Array.isArray(changes)) {
    malformed(base, "the changes must be an array of changes");
    return { ok: false, errors, warnings };
  }
  if (changes.length === 0) {
    malformed(base, "a commit needs at least one change");
    return { ok: false, errors, warnings };
  }

  // The state as the batch goes: the session in force and the modules put or removed so far.
  let session: Session | null = held?.session ?? null;
  /** The batch's own view of the modules, over `held.modules` until a session.opened drops them. */
  const touched = new Map<string, ModuleRecord | undefined>();
  let heldModules: CatalogData["modules"] = held?.modules ?? {};
  /** Counts the session.opened changes so far: a put and its decision must share one session. */
  let segment = 0;
  const moduleUnder = (name: string): ModuleRecord | undefined =>
    touched.has(name) ? touched.get(name) : Object.hasOwn(heldModules, name) ? heldModules[name] : undefined;

  const puts: Put[] = [];
  const claims = new Map<string, Claim>();
  const decisionIds = new Map<string, number>();
  /** Ids of puts and decisions refused for faults of their own: their partners are not blamed as well. */
  const excused = new Set<string>();
  /** The life decision of the change before (L3, L4), which the change at hand must record. */
  let life: { readonly index: number; readonly decision: Json } | "excused" | null = null;
  const unrecorded = (pending: typeof life) => {
    if (pending === null || pending === "excused") return;
    malformed(
      `${base}/${pending.index}/decision/outcome`,
      `the decision says ${String(pending.decision.outcome)}, but the change after it is not the ${LIFE[pending.decision.outcome as LifeOutcome].change} it records`,
      "commit a module's life decision right before its module.state or module.removed",
    );
  };

  if (held === null && !(isObject(changes[0]) && changes[0].type === "session.opened")) {
    malformed(
      `${base}/0`,
      "the store holds no session yet: the first change of its first commit must be a session.opened",
      'start the batch with {"type": "session.opened", "session": {...}}',
    );
  }

  for (const [index, change] of (changes as unknown[]).entries()) {
    const at = `${base}/${index}`;
    const pending = life;
    life = null;
    if (isObject(change) && change.type !== "module.state" && change.type !== "module.removed") unrecorded(pending);
    if (!isObject(change)) {
      malformed(at, "a change must be an object with a type");
      continue;
    }
    const type = change.type;
    if (typeof type !== "string" || !Object.hasOwn(CHANGE_MEMBERS, type)) {
      malformed(`${at}/type`, `a change's type must be one of ${VERIFIED_TYPES.join(", ")}`);
      continue;
    }
    if (!onlyMembers(change, CHANGE_MEMBERS[type as VerifiedType], at, malformed)) continue;

    switch (type as VerifiedType) {
      case "session.opened": {
        const opened = change.session;
        if (!checkSession(opened, `${at}/session`, malformed)) continue;
        if (session !== null && opened.id === session.id) {
          malformed(
            `${at}/session/id`,
            `session ${opened.id} is already the session in force`,
            "a new session needs an id of its own",
          );
          continue;
        }
        session = { id: opened.id, startedAt: opened.startedAt };
        touched.clear();
        heldModules = {};
        segment += 1;
        continue;
      }
      case "module.removed":
      case "module.state": {
        const name = change.module;
        if (typeof name !== "string" || name.length === 0) {
          malformed(`${at}/module`, "module must be the name of a module held");
          continue;
        }
        const state = change.state;
        if (type === "module.state" && state !== "live" && state !== "expired") {
          malformed(`${at}/state`, 'state must be "live" or "expired"');
          continue;
        }
        const record = moduleUnder(name);
        if (record === undefined) {
          report(mrsError("UNKNOWN_MODULE", `${at}/module`, `no module named ${name} is held at this point`));
          continue;
        }
        if (pending === "excused") continue;
        if (pending === null) {
          malformed(
            at,
            `a ${type} comes right after the decision that records it (S9: expired, revived, removed or deregistered)`,
          );
          continue;
        }
        const outcome = pending.decision.outcome as LifeOutcome;
        const step = LIFE[outcome];
        const d = `${base}/${pending.index}/decision`;
        if (step.change !== type || ("state" in step && step.state !== state)) {
          malformed(
            `${d}/outcome`,
            `a decision ${outcome} records a ${step.change}${"state" in step ? ` to ${step.state}` : ""}, not the change after it`,
          );
          continue;
        }
        const version = record.payload.registration_metadata.module_version;
        if (pending.decision.module !== name) {
          malformed(
            `${d}/module`,
            `the decision names ${String(pending.decision.module)}, the change after it ${name}`,
          );
        }
        if (pending.decision.version !== version) {
          malformed(
            `${d}/version`,
            `the decision names ${String(pending.decision.version)}, but ${name}@${version} is held`,
          );
        }
        const expired = record.state === "expired";
        if (outcome === "expired" && record.lease === undefined) {
          malformed(`${at}/module`, `${name} holds no lease: it lives for the session and never expires (L3)`);
        } else if (outcome === "expired" && expired) {
          malformed(`${at}/module`, `${name} has already expired`);
        } else if ((outcome === "revived" || outcome === "removed") && !expired) {
          malformed(`${at}/module`, `${name} is live: only an expired module is ${outcome} (L3)`);
        }
        if (type === "module.removed") touched.set(name, undefined);
        else {
          const { state: _was, ...live } = record;
          touched.set(name, state === "expired" ? { ...live, state: "expired" } : live);
        }
        continue;
      }
      case "decision.recorded": {
        const decision = change.decision;
        if (!checkDecision(decision, `${at}/decision`, malformed)) {
          if (isObject(decision) && isText(decision.id)) excused.add(decision.id);
          if (isObject(decision) && isLife(decision.outcome)) life = "excused";
          continue;
        }
        const id = decision.id as string;
        const first = decisionIds.get(id);
        if (first !== undefined) {
          malformed(`${at}/decision/id`, `decision id ${id} is already used by change ${first} of this batch`);
          continue;
        }
        decisionIds.set(id, index);
        if (session !== null && decision.sessionId !== session.id) {
          malformed(
            `${at}/decision/sessionId`,
            `the decision names session ${String(decision.sessionId)}, but the session in force is ${session.id}`,
            "a decision belongs to the session in force where it stands (S9)",
          );
        }
        if (isLife(decision.outcome)) life = { index, decision };
        else if (decision.outcome !== "rejected") claims.set(id, { index, segment, decision });
        continue;
      }
      case "module.put": {
        const record = change.record;
        const put = checkPut(record, `${at}/record`, {
          index,
          segment,
          moduleUnder,
          report,
          malformed,
          warnings,
          policy,
        });
        if (put === null) {
          if (isObject(record) && isText(record.decisionId)) excused.add(record.decisionId);
          continue;
        }
        puts.push(put.put);
        touched.set(put.put.module, put.record);
        continue;
      }
    }
  }

  unrecorded(life);

  // S9: every put has its decision, and every accepted or upgraded decision its put.
  const paired = new Set<string>();
  for (const put of puts) {
    const at = `${base}/${put.index}/record/decisionId`;
    const claim = claims.get(put.decisionId);
    if (claim === undefined || claim.segment !== put.segment) {
      if (excused.has(put.decisionId)) continue;
      malformed(
        at,
        `no accepted or upgraded decision.recorded of this batch and session has the id ${put.decisionId}`,
        "commit each module.put with the decision that accepted it",
      );
      continue;
    }
    if (paired.has(put.decisionId)) {
      malformed(at, `decision ${put.decisionId} already accepted another module.put of this batch`);
      continue;
    }
    paired.add(put.decisionId);
    const d = `${base}/${claim.index}/decision`;
    const decision = claim.decision;
    if (decision.module !== put.module) {
      malformed(`${d}/module`, `the decision names ${String(decision.module)}, its module.put holds ${put.module}`);
    }
    if (decision.version !== put.version) {
      malformed(`${d}/version`, `the decision names ${String(decision.version)}, its module.put holds ${put.version}`);
    }
    if (decision.outcome !== put.outcome) {
      malformed(
        `${d}/outcome`,
        `the decision says ${String(decision.outcome)}, but its module.put is ${put.outcome === "accepted" ? "a name new in the session (S2): accepted" : "a higher version (S3): upgraded"}`,
      );
    } else if (put.outcome === "upgraded" && decision.previousVersion !== put.previousVersion) {
      malformed(
        `${d}/previousVersion`,
        `the upgrade replaced ${String(put.previousVersion)}, but the decision names ${String(decision.previousVersion)}`,
      );
    }
    // C1: a comparison the decision keeps says what the two versions compare to (its wording may
    // come from another release of the comparison; its verdict may not differ).
    const recorded = decision.compatibility as Partial<CompatibilityReport> | undefined;
    const compared = put.compatibility;
    if (recorded !== undefined && compared !== undefined) {
      for (const flag of ["breaking", "declared"] as const) {
        if (recorded[flag] !== compared[flag]) {
          malformed(
            `${d}/compatibility/${flag}`,
            `the decision says ${flag} ${String(recorded[flag])}, but the two versions compare to ${flag} ${compared[flag]} (C1)`,
          );
        }
      }
    }
  }
  for (const [id, claim] of claims) {
    if (!paired.has(id) && !excused.has(id)) {
      malformed(
        `${base}/${claim.index}/decision/outcome`,
        `the decision says ${String(claim.decision.outcome)}, but no module.put of this batch and session holds it`,
        "an accepted or upgraded decision is committed with its module.put",
      );
    }
  }

  return errors.length === 0
    ? { ok: true, value: changes as Change[], errors: [], warnings }
    : { ok: false, errors, warnings };
}

type Malformed = (pointer: string, message: string, hint?: string) => void;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reports every member of `value` that `allowed` does not list; `true` when there is none. */
function onlyMembers(value: Json, allowed: readonly string[], at: string, malformed: Malformed): boolean {
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      malformed(`${at}${toPointer([key])}`, `"${key}" is not a member here (allowed: ${allowed.join(", ")})`);
      ok = false;
    }
  }
  return ok;
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** `value` is an ISO 8601 UTC time that exists on the calendar. */
function isUtcTime(value: unknown): value is string {
  return typeof value === "string" && UTC_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

function checkSession(value: unknown, at: string, malformed: Malformed): value is Session & Json {
  if (!isObject(value)) {
    malformed(at, "session must be an object with an id and startedAt");
    return false;
  }
  let ok = onlyMembers(value, MEMBERS.session, at, malformed);
  if (!isText(value.id)) {
    malformed(`${at}/id`, "a session's id must be a non-empty string");
    ok = false;
  }
  if (!isUtcTime(value.startedAt)) {
    malformed(`${at}/startedAt`, "startedAt must be an ISO 8601 UTC time (2026-01-01T00:00:00.000Z)");
    ok = false;
  }
  return ok;
}

function checkDecision(value: unknown, at: string, malformed: Malformed): value is Json {
  if (!isObject(value)) {
    malformed(at, "decision must be an object");
    return false;
  }
  let ok = onlyMembers(value, MEMBERS.decision, at, malformed);
  const bad = (member: string, message: string) => {
    malformed(`${at}/${member}`, message);
    ok = false;
  };
  if (!isText(value.id)) bad("id", "a decision's id must be a non-empty string");
  if (!isText(value.sessionId)) bad("sessionId", "sessionId must be a non-empty string");
  if (!isUtcTime(value.at)) bad("at", "at must be an ISO 8601 UTC time (2026-01-01T00:00:00.000Z)");
  if (!isText(value.source)) bad("source", "source must be a non-empty string");
  const outcome = value.outcome;
  if (typeof outcome !== "string" || !OUTCOMES.includes(outcome))
    bad("outcome", `outcome must be one of ${OUTCOMES.join(", ")}`);
  if (isLife(outcome)) {
    if (value.rule !== LIFE[outcome].rule)
      bad("rule", `a decision ${outcome} names the rule that made it: ${LIFE[outcome].rule}`);
  } else if (Object.hasOwn(value, "rule")) {
    bad("rule", "only a decision about a module's life (expired, revived, removed, deregistered) names a rule");
  }
  for (const member of ["module", "version"] as const) {
    if (!Object.hasOwn(value, member)) bad(member, `${member} must be present: a string, or null`);
    else if (value[member] !== null && typeof value[member] !== "string")
      bad(member, `${member} must be a string or null`);
    else if (outcome !== "rejected" && !isText(value[member]))
      bad(member, `an ${String(outcome)} decision names its ${member}`);
  }
  if (Object.hasOwn(value, "compatibility")) {
    const report = value.compatibility;
    if (outcome !== "upgraded") bad("compatibility", "only an upgraded decision keeps a comparison (C1)");
    else if (
      !isObject(report) ||
      typeof report.breaking !== "boolean" ||
      typeof report.declared !== "boolean" ||
      !Array.isArray(report.differences)
    ) {
      bad("compatibility", "compatibility must be {breaking, declared, differences: [...]}");
    }
  }
  if (Object.hasOwn(value, "previousVersion")) {
    if (outcome !== "upgraded") bad("previousVersion", "only an upgraded decision names a previousVersion");
    else if (!isText(value.previousVersion)) bad("previousVersion", "previousVersion must be a non-empty string");
  } else if (outcome === "upgraded") {
    bad("previousVersion", "an upgraded decision names the version it replaced (S3)");
  }
  if (Object.hasOwn(value, "digest") && !(typeof value.digest === "string" && SHA256_HEX.test(value.digest))) {
    bad("digest", "digest must be a SHA-256 in lowercase hex (64 characters)");
  }
  const errors = value.errors;
  if (!checkIssues(errors, `${at}/errors`, malformed)) ok = false;
  else if (outcome === "rejected" && (errors as unknown[]).length === 0) bad("errors", "a rejected decision says why");
  else if (outcome !== "rejected" && (errors as unknown[]).length > 0)
    bad("errors", `an ${String(outcome)} decision has no errors`);
  if (!checkIssues(value.warnings, `${at}/warnings`, malformed)) ok = false;
  return ok;
}

/** A list of errors or warnings as data: `{code, rule, pointer, message, hint?}`. */
function checkIssues(value: unknown, at: string, malformed: Malformed): boolean {
  if (!Array.isArray(value)) {
    malformed(at, "must be an array of {code, rule, pointer, message}");
    return false;
  }
  let ok = true;
  value.forEach((issue: unknown, i) => {
    const here = `${at}/${i}`;
    if (!isObject(issue)) {
      malformed(here, "must be an object {code, rule, pointer, message}");
      ok = false;
      return;
    }
    if (!onlyMembers(issue, MEMBERS.issue, here, malformed)) ok = false;
    if (Object.hasOwn(issue, "differences") && !Array.isArray(issue.differences)) {
      malformed(`${here}/differences`, "differences must be an array");
      ok = false;
    }
    for (const member of ["code", "rule", "pointer", "message"]) {
      if (typeof issue[member] !== "string") {
        malformed(`${here}/${member}`, `${member} must be a string`);
        ok = false;
      }
    }
  });
  return ok;
}

/**
 * Checks one `module.put`'s record: its shape, its payload (E1-E12) and its step against the
 * module held under its name (S2-S6). `null` when it does not pass.
 */
function checkPut(
  value: unknown,
  at: string,
  context: {
    readonly index: number;
    readonly segment: number;
    readonly moduleUnder: (name: string) => ModuleRecord | undefined;
    readonly report: (error: MrsError) => void;
    readonly malformed: Malformed;
    readonly warnings: MrsWarning[];
    readonly policy: CompatibilityPolicy;
  },
): { put: Put; record: ModuleRecord } | null {
  const { index, segment, moduleUnder, report, malformed, warnings, policy } = context;
  if (!isObject(value)) {
    malformed(at, "record must be an object {payload, source, acceptedAt, decisionId}");
    return null;
  }
  let ok = onlyMembers(value, MEMBERS.record, at, malformed);
  if (!isText(value.source)) {
    malformed(`${at}/source`, "source must be a non-empty string");
    ok = false;
  }
  if (!isUtcTime(value.acceptedAt)) {
    malformed(`${at}/acceptedAt`, "acceptedAt must be an ISO 8601 UTC time (2026-01-01T00:00:00.000Z)");
    ok = false;
  }
  if (!isText(value.decisionId)) {
    malformed(`${at}/decisionId`, "decisionId must be the id of the decision that accepted it");
    ok = false;
  }
  if (Object.hasOwn(value, "lease")) {
    const lease = value.lease;
    const seconds = isObject(lease) ? lease.seconds : undefined;
    const whole = typeof seconds === "number" && Number.isSafeInteger(seconds) && seconds > 0;
    if (!isObject(lease) || Object.keys(lease).some((key) => key !== "seconds") || !whole) {
      report(
        mrsError("INVALID_LEASE", `${at}/lease`, "a lease is {seconds: N}, N a positive whole number of seconds (L1)"),
      );
      ok = false;
    }
  }
  const where = `${at}/payload`;
  if (!Object.hasOwn(value, "payload")) {
    report(mrsError("INVALID_PAYLOAD", where, "record must hold the registration payload"));
    return null;
  }
  // E11: a payload no registration could have carried.
  let json: string;
  try {
    json = JSON.stringify(value.payload) ?? "";
  } catch {
    report(mrsError("INVALID_PAYLOAD", where, "the payload is not JSON data"));
    return null;
  }
  if (utf8Exceeds(json, MAX_PAYLOAD_BYTES)) {
    const size = utf8Length(json);
    report(
      mrsError("PAYLOAD_TOO_LARGE", where, `the payload is ${size} bytes of JSON, more than ${MAX_PAYLOAD_BYTES}`),
    );
    return null;
  }
  const validated = validateRegistration(value.payload);
  for (const w of validated.warnings) warnings.push({ ...w, pointer: where + w.pointer });
  if (!validated.ok) {
    for (const e of validated.errors) report({ ...e, pointer: where + e.pointer });
    return null;
  }
  if (!ok) return null;
  const payload: RegistrationPayload = validated.value;
  const { module_name: name, module_version: version } = payload.registration_metadata;
  const resolution = resolveRegistration(moduleUnder(name), payload);
  if (resolution.kind === "rejected") {
    report({ ...resolution.error, pointer: where + resolution.error.pointer });
    return null;
  }
  const record = value as unknown as ModuleRecord;
  if (resolution.kind === "accepted") {
    return {
      record,
      put: { index, segment, decisionId: value.decisionId as string, module: name, version, outcome: "accepted" },
    };
  }
  const previousVersion = resolution.previous.payload.registration_metadata.module_version;
  const compatibility = compareRegistrations(resolution.previous.payload, payload);
  if (policy === "strict" && compatibility.breaking && !compatibility.declared) {
    const differences = compatibility.differences.filter((d) => d.breaking !== false);
    report(
      mrsError(
        "BREAKING_CHANGE_UNDECLARED",
        `${where}/registration_metadata/module_version`,
        `${version} breaks callers of ${name}@${previousVersion} in ${differences.length} place${differences.length === 1 ? "" : "s"} without the version bump that declares it, and this LOM's policy is strict`,
        { hint: "bump the major version (for 0.y.z, the minor)", differences },
      ),
    );
    return null;
  }
  return {
    record,
    put: {
      index,
      segment,
      decisionId: value.decisionId as string,
      module: name,
      version,
      outcome: "upgraded",
      previousVersion,
      compatibility,
    },
  };
}
