import type { RegistrationPayload } from "@rune/mrs-schema";
import { type Dialect, dialectOf } from "../validation/dialect.js";
import { isSchemaObject, type SchemaObject } from "../validation/schema-walk.js";
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
  // Every member the walks may set is there from the start: one shape for the whole call.
  const call: CallState = { steps: 0, unequal: undefined, lastUnequal: undefined, lastUnequalNext: undefined };
  // The capabilities are read where they are, without a copy of each.
  const oldCapabilities = capabilitiesOf(old);
  const newCapabilities = capabilitiesOf(next);
  const oldIndex = actionIndex(oldCapabilities);
  const newIndex = actionIndex(newCapabilities);
  for (let index = 0; index < oldCapabilities.length; index++) {
    const capability = fieldsOf(oldCapabilities[index]);
    const action = actionOf(capability);
    const newAt = firstIndexOf(newCapabilities, newIndex, action);
    if (newAt === -1) {
      differences.push({
        kind: "action-removed",
        action,
        breaking: true,
        old_pointer: `/capabilities/${index}`,
        message: `action ${JSON.stringify(action)} removed; breaking: callers of it fail`,
      });
      continue;
    }
    compareCapability(capability, index, fieldsOf(newCapabilities[newAt]), newAt, action, call, differences);
  }
  for (let index = 0; index < newCapabilities.length; index++) {
    const action = actionOf(fieldsOf(newCapabilities[index]));
    if (firstIndexOf(oldCapabilities, oldIndex, action) !== -1) continue;
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

/**
 * A capability of the old version with its counterpart (at `newAt` of the new one): the input
 * schemas, then the output schemas. A function of its own, compiled on its own: inlined into
 * compareRegistrations, its small helpers were left as calls there (the version check took the
 * inlining budget first).
 */
function compareCapability(
  capability: SchemaObject,
  index: number,
  counterpart: SchemaObject,
  newAt: number,
  action: string,
  call: CallState,
  differences: CompatibilityDifference[],
): void {
  compareSchema(
    capabilityRoot(inputOf(capability), index, true),
    capabilityRoot(inputOf(counterpart), newAt, true),
    "input",
    action,
    call,
    differences,
  );
  compareSchema(
    capabilityRoot(outputOf(capability), index, false),
    capabilityRoot(outputOf(counterpart), newAt, false),
    "output",
    action,
    call,
    differences,
  );
}

/** Up to this many capabilities, an action is looked up by a scan: cheaper than building a map. */
const SCANNED = 16;

/** Each action's first capability index, for a list too long to scan (a payload that did not validate may hold any number). */
function actionIndex(capabilities: readonly unknown[]): ReadonlyMap<string, number> | undefined {
  if (capabilities.length <= SCANNED) return undefined;
  const index = new Map<string, number>();
  for (let at = 0; at < capabilities.length; at++) {
    const action = actionOf(fieldsOf(capabilities[at]));
    if (!index.has(action)) index.set(action, at);
  }
  return index;
}

/** The index of the first capability with `action`, or -1. */
function firstIndexOf(
  capabilities: readonly unknown[],
  index: ReadonlyMap<string, number> | undefined,
  action: string,
): number {
  if (index !== undefined) return index.get(action) ?? -1;
  for (let at = 0; at < capabilities.length; at++) if (actionOf(fieldsOf(capabilities[at])) === action) return at;
  return -1;
}

/**
 * A capability schema as a comparison root, and as the subschema at its top. A plain object (its
 * pointer's text is kept per index, see {@link rootPointer}): four are made per capability.
 */
function capabilityRoot(schema: unknown, index: number, input: boolean): RootSide {
  const root = {
    schema,
    pointer: rootPointer(index, input),
    dialect: rootDialect(schema),
    root: NO_ROOT,
    variant: undefined,
  };
  root.root = root;
  return root;
}

/** Stands for the root itself until it is made. */
const NO_ROOT = undefined as unknown as RootSide;

/**
 * The dialect of a capability schema. Most name no `$schema`: a plain read settles those without
 * the own-member lookup of dialectOf (an inherited or undefined `$schema`, which goes there too,
 * reads as draft 2020-12 either way).
 */
function rootDialect(schema: unknown): Dialect {
  if (!isSchemaObject(schema) || schema.$schema === undefined) return "2020-12";
  return dialectOf(schema) ?? "2020-12";
}

/**
 * The pointers of the first capabilities' schemas, written once per process: the text depends on
 * the index alone, and most payloads hold a few capabilities.
 */
const INPUT_POINTERS: string[] = [];
const OUTPUT_POINTERS: string[] = [];
const POINTERS_KEPT = 64;

function rootPointer(index: number, input: boolean): string {
  const kept = input ? INPUT_POINTERS : OUTPUT_POINTERS;
  let pointer = kept[index];
  if (pointer === undefined) {
    pointer = `/capabilities/${index}/${input ? "input_schema" : "output_schema"}`;
    if (index < POINTERS_KEPT) kept[index] = pointer;
  }
  return pointer;
}

/** The capabilities of a payload, read defensively: the function never throws, even on a payload that did not validate. */
function capabilitiesOf(payload: RegistrationPayload): readonly unknown[] {
  const list: unknown = isSchemaObject(payload) ? payload.capabilities : undefined;
  return Array.isArray(list) ? list : NONE;
}

const NONE: readonly unknown[] = Object.freeze([]);

/** What a capability that is not an object reads as: no member of its own. */
const NO_FIELDS: SchemaObject = Object.freeze({});

function fieldsOf(capability: unknown): SchemaObject {
  return isSchemaObject(capability) ? capability : NO_FIELDS;
}

/** A capability's `action`, `""` when it has none. */
function actionOf(fields: SchemaObject): string {
  const action = fields.action;
  return typeof action === "string" ? action : "";
}

/** A capability's `input_schema`; a missing one accepts everything. */
function inputOf(fields: SchemaObject): unknown {
  return Object.hasOwn(fields, "input_schema") ? fields.input_schema : true;
}

/** A capability's `output_schema`; a missing one accepts everything. */
function outputOf(fields: SchemaObject): unknown {
  return Object.hasOwn(fields, "output_schema") ? fields.output_schema : true;
}

function versionOf(payload: RegistrationPayload): string {
  const metadata: unknown = isSchemaObject(payload) ? payload.registration_metadata : undefined;
  const version = isSchemaObject(metadata) ? metadata.module_version : undefined;
  return typeof version === "string" ? version : "";
}
