import type { RegistrationPayload } from "@rune/mrs-schema";
import type { MrsError, MrsWarning } from "./errors.js";
import { type CatalogData, type Decision, MAX_DECISIONS, type ModuleRecord, type Session } from "./model.js";
import { resolveRegistration } from "./resolution.js";
import type { ValidationResult } from "./validation-types.js";

/** A registration after validation, ready to be decided on. */
export interface CheckedRegistration {
  readonly result: ValidationResult<RegistrationPayload>;
  readonly source: string;
  /** Best-effort name and version of a rejected payload, so that `lom why NAME` finds it. */
  readonly module: string | null;
  readonly version: string | null;
}

/** How {@link applyRegistrations} stamps what it records. */
export interface Stamp {
  readonly now: () => string;
  readonly newId: () => string;
}

/** The outcome of applying a batch: the next data, and one decision per registration, in order. */
export interface Applied {
  readonly data: CatalogData;
  readonly decisions: readonly Decision[];
  /** Decisions that changed nothing and were not recorded (identical duplicates found by discovery). */
  readonly unrecorded: ReadonlySet<Decision>;
  /** `false` when nothing was recorded: the store need not be written. */
  readonly changed: boolean;
}

/** A new, empty session. */
export function emptyCatalog(session: Session): CatalogData {
  return { session, modules: {}, superseded: [], decisions: [] };
}

/**
 * Applies registrations in order to a session's data (RULES.md S1-S6, S9) and returns the next
 * data. Pure: the input is not modified. Works on one mutable copy, so that a batch of 10,000
 * discovered modules costs one copy, not 10,000.
 *
 * @param quietIdentical - discovery at startup: an identical duplicate changes nothing and is
 *   not recorded (a LOM that restarts does not fill its log with "duplicate" decisions).
 */
export function applyRegistrations(
  data: CatalogData,
  items: readonly CheckedRegistration[],
  stamp: Stamp,
  options: { readonly quietIdentical?: boolean } = {},
): Applied {
  const modules: Record<string, ModuleRecord> = { ...data.modules };
  const superseded = [...data.superseded];
  const recorded = [...data.decisions];
  const decisions: Decision[] = [];
  const unrecorded = new Set<Decision>();
  const sessionId = data.session.id;

  for (const item of items) {
    const at = stamp.now();
    const id = stamp.newId();
    const base = { id, sessionId, at, source: item.source };
    if (!item.result.ok) {
      const decision = rejected(base, item.module, item.version, item.result.errors, item.result.warnings);
      decisions.push(decision);
      recorded.push(decision);
      continue;
    }
    const payload = item.result.value;
    const { module_name: name, module_version: version } = payload.registration_metadata;
    const held = Object.hasOwn(modules, name) ? modules[name] : undefined;
    const resolution = resolveRegistration(held, payload);
    if (resolution.kind === "rejected") {
      const decision = rejected(base, name, version, [resolution.error], item.result.warnings);
      decisions.push(decision);
      if (options.quietIdentical && resolution.error.identical) unrecorded.add(decision);
      else recorded.push(decision);
      continue;
    }
    const record: ModuleRecord = { payload, source: item.source, acceptedAt: at, decisionId: id };
    modules[name] = record;
    const decision: Decision =
      resolution.kind === "upgraded"
        ? {
            ...base,
            outcome: "upgraded",
            module: name,
            version,
            previousVersion: resolution.previous.payload.registration_metadata.module_version,
            errors: [],
            warnings: item.result.warnings,
          }
        : { ...base, outcome: "accepted", module: name, version, errors: [], warnings: item.result.warnings };
    if (resolution.kind === "upgraded") superseded.push(resolution.previous);
    decisions.push(decision);
    recorded.push(decision);
  }

  const kept = recorded.length > MAX_DECISIONS ? recorded.slice(recorded.length - MAX_DECISIONS) : recorded;
  return {
    data: { session: data.session, modules, superseded, decisions: kept },
    decisions,
    unrecorded,
    changed: decisions.length > unrecorded.size,
  };
}

function rejected(
  base: Pick<Decision, "id" | "sessionId" | "at" | "source">,
  module: string | null,
  version: string | null,
  errors: readonly MrsError[],
  warnings: readonly MrsWarning[],
): Decision {
  return { ...base, outcome: "rejected", module, version, errors, warnings };
}
