import type { RegistrationPayload } from "@rune/mrs-schema";
import { type MrsError, type MrsWarning, mrsError } from "../errors.js";
import type { ValidationResult } from "../validation-types.js";
import { checkDescription } from "./description.js";
import { envelopeErrors } from "./envelope.js";
import { findTooDeep } from "./json-depth.js";
import { MAX_JSON_DEPTH } from "./limits.js";
import { checkName } from "./names.js";
import type { SchemaTexts } from "./payload-json.js";
import { child } from "./pointer.js";
import { type AnalysisBudget, checkSchemaOnce, rebase, type SchemaRole } from "./schema-verdicts.js";
import { isSchemaObject, own } from "./schema-walk.js";
import { checkTimestamp } from "./timestamp.js";
import { checkVersion } from "./version.js";

/** The message prefix of a fault in the validator itself, never of the payload. */
export const INTERNAL_FAULT = "internal error while validating";

/** Options of {@link validatePayload}. */
export interface PayloadCheckOptions {
  /** Gets the JSON text of each capability schema written on the way (see `payloadJson`). */
  readonly schemaTexts?: SchemaTexts;
  /** The payload comes straight from `JSON.parse`: plain JSON data, which need not be proved so. */
  readonly parsed?: boolean;
}

/**
 * Validates a registration payload against every envelope rule of RULES.md (E1-E12) and
 * reports every fault at once. Never throws: a fault of the validator itself becomes an
 * `INVALID_PAYLOAD` whose message starts with {@link INTERNAL_FAULT}.
 */
export function validatePayload(
  payload: unknown,
  options: PayloadCheckOptions = {},
): ValidationResult<RegistrationPayload> {
  try {
    const { errors, warnings } = collect(payload, options);
    return errors.length === 0
      ? { ok: true, value: payload as RegistrationPayload, errors: [], warnings }
      : { ok: false, errors, warnings };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [mrsError("INVALID_PAYLOAD", "", `${INTERNAL_FAULT}: ${reason}`)], warnings: [] };
  }
}

const ROLES: readonly SchemaRole[] = [
  { requireObjectRoot: true, label: "input_schema" },
  { requireObjectRoot: true, label: "output_schema" },
];

function collect(
  payload: unknown,
  { schemaTexts, parsed = false }: PayloadCheckOptions,
): { errors: MrsError[]; warnings: MrsWarning[] } {
  // Field checks come first: their messages are the precise ones, and they win over the
  // envelope's generic message at the same pointer.
  const precise: MrsError[] = [...depthErrors(payload)];
  const budget: AnalysisBudget = {};
  const warnings: MrsWarning[] = [];
  if (isSchemaObject(payload)) {
    const metadata = own(payload, "registration_metadata");
    if (isSchemaObject(metadata)) {
      const base = "/registration_metadata";
      if (Object.hasOwn(metadata, "module_name")) {
        push(precise, checkName(metadata.module_name, `${base}/module_name`, "INVALID_MODULE_NAME", "module_name"));
      }
      if (Object.hasOwn(metadata, "module_version")) push(precise, checkVersion(metadata.module_version));
      if (Object.hasOwn(metadata, "registered_at")) push(precise, checkTimestamp(metadata.registered_at));
    }
    const capabilities = own(payload, "capabilities");
    if (Array.isArray(capabilities)) {
      const firstByAction = new Map<string, number>();
      for (let index = 0; index < capabilities.length; index++) {
        const capability: unknown = capabilities[index];
        if (!isSchemaObject(capability)) continue;
        if (Object.hasOwn(capability, "action")) {
          const action = capability.action;
          const invalid = checkName(action, `/capabilities/${index}/action`, "INVALID_ACTION_NAME", "action");
          push(precise, invalid);
          if (!invalid && typeof action === "string") {
            const first = firstByAction.get(action);
            if (first === undefined) firstByAction.set(action, index);
            else precise.push(duplicateAction(action, index, first));
          }
        }
        if (Object.hasOwn(capability, "description")) {
          push(precise, checkDescription(capability.description, `/capabilities/${index}/description`));
        }
        for (const role of ROLES) {
          // Checked where it stands, rebased only when it has something to say.
          const report = checkSchemaOnce(own(capability, role.label), role, budget, schemaTexts, index, parsed);
          if (report.errors.length === 0 && report.warnings.length === 0) continue;
          const at = rebase(report, `/capabilities/${index}/${role.label}`);
          precise.push(...at.errors);
          warnings.push(...at.warnings);
        }
      }
    }
  }
  const envelope = envelopeErrors(payload);
  // The common case, a valid payload: nothing to merge.
  if (precise.length === 0 && envelope.length === 0) return { errors: [], warnings };
  const claimed = new Set(precise.map((error) => error.pointer));
  const general = envelope.filter((error) => !claimed.has(error.pointer));
  return { errors: unique([...precise, ...general]), warnings };
}

/**
 * E11: nothing outside the capability schemas (which check their own depth) may nest deeper
 * than {@link MAX_JSON_DEPTH}: vendor extensions are stored and returned, and must stay
 * readable by any recursive code that handles them later.
 */
function depthErrors(payload: unknown): MrsError[] {
  const errors: MrsError[] = [];
  if (!isSchemaObject(payload)) {
    tooDeep(errors, payload, []);
    return errors;
  }
  // Strings and numbers nest nothing: only objects and arrays are walked, and a path is only
  // written out for a fault (a valid payload allocates none).
  for (const key of Object.keys(payload)) {
    const value = payload[key];
    if (typeof value !== "object" || value === null) continue;
    if (key !== "capabilities" || !Array.isArray(value)) tooDeep(errors, value, [key]);
  }
  const capabilities = own(payload, "capabilities");
  if (!Array.isArray(capabilities)) return errors;
  for (let index = 0; index < capabilities.length; index++) {
    const capability: unknown = capabilities[index];
    if (!isSchemaObject(capability)) continue;
    for (const key of Object.keys(capability)) {
      const value = capability[key];
      if (typeof value !== "object" || value === null) continue;
      if (key !== "input_schema" && key !== "output_schema") tooDeep(errors, value, ["capabilities", index, key]);
    }
  }
  return errors;
}

function tooDeep(errors: MrsError[], value: unknown, path: (string | number)[]): void {
  const deep = findTooDeep(value, MAX_JSON_DEPTH - path.length);
  if (!deep) return;
  errors.push(
    mrsError(
      "INVALID_PAYLOAD",
      child("", ...path, ...deep),
      `payload nests JSON more than ${MAX_JSON_DEPTH} levels deep`,
      String(path.at(-1)).startsWith("x-") ? { hint: "flatten the vendor extension" } : {},
    ),
  );
}

function duplicateAction(action: string, index: number, first: number): MrsError {
  return mrsError(
    "DUPLICATE_ACTION",
    `/capabilities/${index}/action`,
    `action "${action}" is already declared by /capabilities/${first}`,
    { hint: "give each capability its own action name, or merge the two" },
  );
}

function push(errors: MrsError[], error: MrsError | undefined): void {
  if (error) errors.push(error);
}

function unique(errors: readonly MrsError[]): MrsError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.code}\u0000${error.pointer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
