import type { RegistrationPayload } from "@rune/mrs-schema";
import { dialectOf } from "../validation/dialect.js";
import { isSchemaObject } from "../validation/schema-walk.js";
import { compareSchema } from "./compare-schema.js";
import type { CallState } from "./comparison.js";
import type { CompatibilityDifference, CompatibilityReport } from "./types.js";
import { declaresBreakingChange } from "./versions.js";

/**
 * Compares two versions of a module (RULES.md C1-C4): every capability of the old version with
 * the new version's capability of the same `action`, its `input_schema` as an input (what it
 * refuses that the old one accepted breaks callers) and its `output_schema` as an output (what it
 * allows that the old one did not breaks callers), each difference with its kind, pointers into
 * both payloads, verdict and message; and whether the versions declare breaking changes (C2).
 *
 * Sound where it says compatible (C3): a change it cannot decide (a changed `pattern`, `not`,
 * `if`/`then`, an unknown keyword, a `$ref` graph reshaped) is `breaking: "undecidable"`, and
 * counts in `breaking`. Annotations (`description`, `default`, `examples`, ...) are not
 * differences. The payloads are expected to have passed {@link validateRegistration}; the result
 * is plain JSON, for a decision record or an error's details. Never throws.
 *
 * @example
 * const report = compareRegistrations(held, incoming);
 * if (report.breaking && !report.declared) {
 *   for (const d of report.differences) if (d.breaking !== false) console.log(`${d.action} ${d.kind}: ${d.message}`);
 * }
 */
export function compareRegistrations(old: RegistrationPayload, next: RegistrationPayload): CompatibilityReport {
  const differences: CompatibilityDifference[] = [];
  const call: CallState = { steps: 0 };
  const oldCapabilities = capabilitiesOf(old);
  const newCapabilities = capabilitiesOf(next);
  const newIndex = new Map<string, number>();
  newCapabilities.forEach((capability, index) => {
    if (!newIndex.has(capability.action)) newIndex.set(capability.action, index);
  });
  const oldActions = new Set<string>();
  oldCapabilities.forEach((capability, index) => {
    oldActions.add(capability.action);
    const oldPointer = `/capabilities/${index}`;
    const newAt = newIndex.get(capability.action);
    const counterpart = newAt === undefined ? undefined : newCapabilities[newAt];
    if (newAt === undefined || counterpart === undefined) {
      differences.push({
        kind: "action-removed",
        action: capability.action,
        breaking: true,
        old_pointer: oldPointer,
        message: `action ${JSON.stringify(capability.action)} removed; breaking: callers of it fail`,
      });
      return;
    }
    const newPointer = `/capabilities/${newAt}`;
    const action = capability.action;
    compareSchema(
      rootOf(capability.input_schema, `${oldPointer}/input_schema`),
      rootOf(counterpart.input_schema, `${newPointer}/input_schema`),
      { direction: "input", action, call },
      differences,
    );
    compareSchema(
      rootOf(capability.output_schema, `${oldPointer}/output_schema`),
      rootOf(counterpart.output_schema, `${newPointer}/output_schema`),
      { direction: "output", action, call },
      differences,
    );
  });
  newCapabilities.forEach((capability, index) => {
    if (oldActions.has(capability.action)) return;
    differences.push({
      kind: "action-added",
      action: capability.action,
      breaking: false,
      new_pointer: `/capabilities/${index}`,
      message: `action ${JSON.stringify(capability.action)} added; not breaking`,
    });
  });
  return {
    breaking: differences.some((difference) => difference.breaking !== false),
    declared: declaresBreakingChange(versionOf(old), versionOf(next)),
    differences,
  };
}

interface CapabilityView {
  readonly action: string;
  readonly input_schema: unknown;
  readonly output_schema: unknown;
}

/** The capabilities of a payload, read defensively: the function never throws, even on a payload that did not validate. */
function capabilitiesOf(payload: RegistrationPayload): CapabilityView[] {
  const list: unknown = isSchemaObject(payload) ? payload.capabilities : undefined;
  if (!Array.isArray(list)) return [];
  return list.map((capability: unknown) => {
    const fields = isSchemaObject(capability) ? capability : {};
    return {
      action: typeof fields.action === "string" ? fields.action : "",
      input_schema: Object.hasOwn(fields, "input_schema") ? fields.input_schema : true,
      output_schema: Object.hasOwn(fields, "output_schema") ? fields.output_schema : true,
    };
  });
}

function rootOf(schema: unknown, pointer: string) {
  return { schema, pointer, dialect: dialectOf(schema) ?? "2020-12" };
}

function versionOf(payload: RegistrationPayload): string {
  const metadata: unknown = isSchemaObject(payload) ? payload.registration_metadata : undefined;
  const version = isSchemaObject(metadata) ? metadata.module_version : undefined;
  return typeof version === "string" ? version : "";
}
