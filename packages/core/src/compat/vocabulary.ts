import type { Dialect } from "../validation/dialect.js";
import type { SchemaObject } from "../validation/schema-walk.js";

/**
 * Keywords that never change which instances are valid: annotations, identifiers and the
 * containers of definitions (reached through `$ref`, never on their own), and `x-` extensions.
 * A change to one of them is not a difference.
 */
const ANNOTATIONS: ReadonlySet<string> = new Set([
  "title",
  "description",
  "default",
  "examples",
  "$comment",
  "deprecated",
  "readOnly",
  "writeOnly",
  "$id",
  "$schema",
  "$anchor",
  "$dynamicAnchor",
  "$vocabulary",
  "$defs",
  "definitions",
]);

/** Keywords both dialects read the same way, and that the comparison models. */
const SHARED: readonly string[] = [
  "$ref",
  "type",
  "enum",
  "const",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "contains",
  "properties",
  "patternProperties",
  "additionalProperties",
  "required",
  "minProperties",
  "maxProperties",
  "propertyNames",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "if",
  "then",
  "else",
];

/**
 * Keywords of one dialect only. The other dialect ignores them, so the same keyword on both
 * sides of a comparison that crosses dialects means different things (C3).
 */
const MODELLED: Readonly<Record<Dialect, ReadonlySet<string>>> = {
  "2020-12": new Set([...SHARED, "prefixItems", "minContains", "maxContains", "dependentRequired"]),
  "draft-07": new Set([...SHARED, "additionalItems"]),
};

/** True for a keyword that never changes which instances are valid. */
export function isAnnotation(keyword: string): boolean {
  return ANNOTATIONS.has(keyword) || keyword.startsWith("x-");
}

/**
 * True for a keyword the comparison decides on in this dialect. Every other keyword that is
 * not an annotation (`dependentSchemas`, `unevaluatedProperties`, `$dynamicRef`, a keyword of
 * the other dialect, an unknown one) is compared as a value: equal, or undecidable (C3).
 */
export function isModelled(keyword: string, dialect: Dialect): boolean {
  return MODELLED[dialect].has(keyword);
}

/** True for a subschema that accepts everything: `true`, or only annotations. */
export function acceptsEverything(schema: unknown): boolean {
  if (schema === true) return true;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return false;
  for (const keyword of Object.keys(schema)) if (!isAnnotation(keyword)) return false;
  return true;
}

/**
 * The kinds of JSON value a `type` admits; `number` is split in two so that `integer` is a part
 * of it (`integer` to `number` widens, `number` to `integer` narrows).
 */
export type ValueKind = "null" | "boolean" | "object" | "array" | "string" | "integer" | "fraction";

/** Every {@link ValueKind}, in the order messages list them. */
export const VALUE_KINDS: readonly ValueKind[] = [
  "null",
  "boolean",
  "object",
  "array",
  "string",
  "integer",
  "fraction",
];

const KINDS_OF_TYPE: ReadonlyMap<unknown, readonly ValueKind[]> = new Map<unknown, readonly ValueKind[]>([
  ["null", ["null"]],
  ["boolean", ["boolean"]],
  ["object", ["object"]],
  ["array", ["array"]],
  ["string", ["string"]],
  ["integer", ["integer"]],
  ["number", ["integer", "fraction"]],
]);

/** The value kinds a subschema's `type` admits, or `undefined` when it has no `type` (every kind). */
export function kindsOf(keywords: SchemaObject): ReadonlySet<ValueKind> | undefined {
  const type = Object.hasOwn(keywords, "type") ? keywords.type : undefined;
  const names = typeof type === "string" ? [type] : Array.isArray(type) ? type : undefined;
  if (!names) return undefined;
  const kinds = new Set<ValueKind>();
  for (const name of names) for (const kind of KINDS_OF_TYPE.get(name) ?? []) kinds.add(kind);
  return kinds;
}

/** True when `kinds` (from {@link kindsOf}) admits values of `kind`. */
export function admits(kinds: ReadonlySet<ValueKind> | undefined, kind: ValueKind): boolean {
  return kinds === undefined || kinds.has(kind);
}

/** The kind of a JSON value, as `type` would classify it. */
export function kindOfValue(value: unknown): ValueKind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    case "number":
      return Number.isInteger(value) ? "integer" : "fraction";
    default:
      return "object";
  }
}
