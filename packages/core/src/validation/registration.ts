import type { RegistrationPayload } from "@rune/mrs-schema";
import { type MrsError, type MrsWarning, mrsError } from "../errors.js";
import type { ValidationResult } from "../validation-types.js";
import { checkDescription } from "./description.js";
import { envelopeErrors } from "./envelope.js";
import { findTooDeep } from "./json-depth.js";
import { ANALYSIS_BUDGET_MS, MAX_JSON_DEPTH } from "./limits.js";
import { checkName } from "./names.js";
import { child } from "./pointer.js";
import { checkSchemaOnce } from "./schema-verdicts.js";
import { isSchemaObject, own } from "./schema-walk.js";
import { checkTimestamp } from "./timestamp.js";
import { checkVersion } from "./version.js";

/** The message prefix of a fault in the validator itself, never of the payload. */
export const INTERNAL_FAULT = "internal error while validating";

/**
 * Validates a registration payload against every envelope rule of RULES.md (E1-E12) and
 * reports every fault at once. Never throws: a fault of the validator itself becomes an
 * `INVALID_PAYLOAD` whose message starts with {@link INTERNAL_FAULT}.
 */
export function validatePayload(payload: unknown): ValidationResult<RegistrationPayload> {
  try {
    const { errors, warnings } = collect(payload);
    return errors.length === 0
      ? { ok: true, value: payload as RegistrationPayload, errors: [], warnings }
      : { ok: false, errors, warnings };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [mrsError("INVALID_PAYLOAD", "", `${INTERNAL_FAULT}: ${reason}`)], warnings: [] };
  }
}

function collect(payload: unknown): { errors: MrsError[]; warnings: MrsWarning[] } {
  // Field checks come first: their messages are the precise ones, and they win over the
  // envelope's generic message at the same pointer.
  const precise: MrsError[] = [...depthErrors(payload)];
  // One time bound for the slow parts (pattern analysis, explaining meta-schema faults) of the
  // whole payload, whatever the number of schemas and patterns in it (E11).
  const deadline = performance.now() + ANALYSIS_BUDGET_MS;
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
      const roles = [
        { requireObjectRoot: true, label: "input_schema", deadline },
        { requireObjectRoot: true, label: "output_schema", deadline },
      ] as const;
      const firstByAction = new Map<string, number>();
      capabilities.forEach((capability: unknown, index) => {
        if (!isSchemaObject(capability)) return;
        const base = `/capabilities/${index}`; // an index needs no escaping
        if (Object.hasOwn(capability, "action")) {
          const action = capability.action;
          const invalid = checkName(action, `${base}/action`, "INVALID_ACTION_NAME", "action");
          push(precise, invalid);
          if (!invalid && typeof action === "string") {
            const first = firstByAction.get(action);
            if (first === undefined) firstByAction.set(action, index);
            else {
              precise.push(
                mrsError(
                  "DUPLICATE_ACTION",
                  `${base}/action`,
                  `action "${action}" is already declared by /capabilities/${first}`,
                  {
                    hint: "give each capability its own action name, or merge the two",
                  },
                ),
              );
            }
          }
        }
        if (Object.hasOwn(capability, "description")) {
          push(precise, checkDescription(capability.description, `${base}/description`));
        }
        for (const options of roles) {
          const report = checkSchemaOnce(own(capability, options.label), `${base}/${options.label}`, options);
          if (report.errors.length > 0) precise.push(...report.errors);
          if (report.warnings.length > 0) warnings.push(...report.warnings);
        }
      });
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
  const regions: { value: unknown; path: (string | number)[] }[] = [];
  if (isSchemaObject(payload)) {
    for (const [key, value] of Object.entries(payload)) {
      // Strings and numbers nest nothing: only objects and arrays are walked.
      if (typeof value !== "object" || value === null) continue;
      if (key !== "capabilities" || !Array.isArray(value)) regions.push({ value, path: [key] });
    }
    const capabilities = own(payload, "capabilities");
    if (Array.isArray(capabilities)) {
      capabilities.forEach((capability: unknown, index) => {
        if (!isSchemaObject(capability)) return;
        for (const [key, value] of Object.entries(capability)) {
          if (typeof value !== "object" || value === null) continue;
          if (key !== "input_schema" && key !== "output_schema")
            regions.push({ value, path: ["capabilities", index, key] });
        }
      });
    }
  } else {
    regions.push({ value: payload, path: [] });
  }
  const errors: MrsError[] = [];
  for (const { value, path } of regions) {
    const deep = findTooDeep(value, MAX_JSON_DEPTH - path.length);
    if (deep) {
      errors.push(
        mrsError(
          "INVALID_PAYLOAD",
          child("", ...path, ...deep),
          `payload nests JSON more than ${MAX_JSON_DEPTH} levels deep`,
          String(path.at(-1)).startsWith("x-") ? { hint: "flatten the vendor extension" } : {},
        ),
      );
    }
  }
  return errors;
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
