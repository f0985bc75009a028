import type { RegistrationPayload } from "@rune/mrs-schema";
import { type Dialect, dialectOf } from "../validation/dialect.js";
import { isSchemaObject } from "../validation/schema-walk.js";
import { compareSchema } from "./compare-schema.js";
import type { CallState } from "./comparison.js";
import type { RootSide } from "./schema-side.js";
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
  const oldActions = actionIndex(oldCapabilities);
  const newActions = actionIndex(newCapabilities);
  for (let index = 0; index < oldCapabilities.length; index++) {
    const capability = oldCapabilities[index] as CapabilityView;
    const action = capability.action;
    const newAt = firstIndexOf(newCapabilities, newActions, action);
    const counterpart = newCapabilities[newAt];
    if (counterpart === undefined) {
      differences.push({
        kind: "action-removed",
        action,
        breaking: true,
        old_pointer: `/capabilities/${index}`,
        message: `action ${JSON.stringify(action)} removed; breaking: callers of it fail`,
      });
      continue;
    }
    compareSchema(
      new CapabilityRoot(capability.input_schema, index, "input_schema"),
      new CapabilityRoot(counterpart.input_schema, newAt, "input_schema"),
      { direction: "input", action, call },
      differences,
    );
    compareSchema(
      new CapabilityRoot(capability.output_schema, index, "output_schema"),
      new CapabilityRoot(counterpart.output_schema, newAt, "output_schema"),
      { direction: "output", action, call },
      differences,
    );
  }
  for (let index = 0; index < newCapabilities.length; index++) {
    const action = (newCapabilities[index] as CapabilityView).action;
    if (firstIndexOf(oldCapabilities, oldActions, action) !== -1) continue;
    differences.push({
      kind: "action-added",
      action,
      breaking: false,
      new_pointer: `/capabilities/${index}`,
      message: `action ${JSON.stringify(action)} added; not breaking`,
    });
  }
  let breaking = false;
  for (const difference of differences) if (difference.breaking !== false) breaking = true;
  return {
    breaking,
    declared: declaresBreakingChange(versionOf(old), versionOf(next)),
    differences,
  };
}

/** Up to this many capabilities, an action is looked up by a scan: cheaper than building a map. */
const SCANNED = 16;

/** Each action's first capability index, for a list too long to scan (a payload that did not validate may hold any number). */
function actionIndex(capabilities: readonly CapabilityView[]): ReadonlyMap<string, number> | undefined {
  if (capabilities.length <= SCANNED) return undefined;
  const index = new Map<string, number>();
  capabilities.forEach((capability, at) => {
    if (!index.has(capability.action)) index.set(capability.action, at);
  });
  return index;
}

/** The index of the first capability with `action`, or -1. */
function firstIndexOf(
  capabilities: readonly CapabilityView[],
  index: ReadonlyMap<string, number> | undefined,
  action: string,
): number {
  if (index !== undefined) return index.get(action) ?? -1;
  for (let at = 0; at < capabilities.length; at++) {
    if ((capabilities[at] as CapabilityView).action === action) return at;
  }
  return -1;
}

/**
 * A capability schema as a comparison root, and as the subschema at its top: its pointer is
 * written out only for a difference.
 */
class CapabilityRoot implements RootSide {
  declare readonly schema: unknown;
  declare readonly dialect: Dialect;
  declare readonly root: RootSide;
  declare readonly variant: undefined;
  declare private readonly index: number;
  declare private readonly keyword: "input_schema" | "output_schema";
  declare private written: string | undefined;

  constructor(schema: unknown, index: number, keyword: "input_schema" | "output_schema") {
    this.schema = schema;
    this.dialect = dialectOf(schema) ?? "2020-12";
    this.root = this;
    this.variant = undefined;
    this.index = index;
    this.keyword = keyword;
    this.written = undefined;
  }

  get pointer(): string {
    this.written ??= `/capabilities/${this.index}/${this.keyword}`;
    return this.written;
  }
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

function versionOf(payload: RegistrationPayload): string {
  const metadata: unknown = isSchemaObject(payload) ? payload.registration_metadata : undefined;
  const version = isSchemaObject(metadata) ? metadata.module_version : undefined;
  return typeof version === "string" ? version : "";
}
