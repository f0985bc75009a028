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

/** Value kinds as bits: sets of kinds are numbers, tested without allocating. */
const KIND_BIT: Readonly<Record<ValueKind, number>> = {
  null: 1,
  boolean: 2,
  object: 4,
  array: 8,
  string: 16,
  integer: 32,
  fraction: 64,
};

/** A set of {@link ValueKind}s as bits (see {@link kindsOf}); `undefined` stands for every kind. */
export type Kinds = number | undefined;

const KINDS_OF_TYPE: ReadonlyMap<unknown, number> = new Map<unknown, number>([
  ["null", KIND_BIT.null],
  ["boolean", KIND_BIT.boolean],
  ["object", KIND_BIT.object],
  ["array", KIND_BIT.array],
  ["string", KIND_BIT.string],
  ["integer", KIND_BIT.integer],
  ["number", KIND_BIT.integer | KIND_BIT.fraction],
]);

/** The value kinds a subschema's `type` admits, or `undefined` when it has no `type` (every kind). */
export function kindsOf(keywords: SchemaObject): Kinds {
  const type = Object.hasOwn(keywords, "type") ? keywords.type : undefined;
  if (typeof type === "string") return KINDS_OF_TYPE.get(type) ?? 0;
  if (!Array.isArray(type)) return undefined;
  let kinds = 0;
  for (const name of type) kinds |= KINDS_OF_TYPE.get(name) ?? 0;
  return kinds;
}

/** True when `kinds` (from {@link kindsOf}) admits values of `kind`. */
export function admits(kinds: Kinds, kind: ValueKind): boolean {
  return kinds === undefined || (kinds & KIND_BIT[kind]) !== 0;
}

/** True when no kind is admitted by both. */
export function disjointKinds(first: number, second: number): boolean {
  return (first & second) === 0;
}

/** True when `kinds` admits objects and nothing else. */
export function onlyObjects(kinds: Kinds): boolean {
  return kinds === KIND_BIT.object;
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

/** Which groups of keywords a subschema holds, as bits: the comparison skips the groups neither side has. */
export const GROUPS = {
  type: 1,
  values: 2,
  numbers: 4,
  strings: 8,
  arrays: 16,
  objects: 32,
  applicators: 64,
  unmodelled: 128,
  unevaluated: 256,
} as const;

const GROUP_OF: ReadonlyMap<string, number> = new Map([
  ["type", GROUPS.type],
  ...["enum", "const"].map((k) => [k, GROUPS.values] as const),
  ...["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"].map(
    (k) => [k, GROUPS.numbers] as const,
  ),
  ...["minLength", "maxLength", "pattern", "format"].map((k) => [k, GROUPS.strings] as const),
  ...[
    "items",
    "prefixItems",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
  ].map((k) => [k, GROUPS.arrays] as const),
  ...[
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "dependentRequired",
  ].map((k) => [k, GROUPS.objects] as const),
  ...["allOf", "anyOf", "oneOf", "not", "if", "then", "else"].map((k) => [k, GROUPS.applicators] as const),
  ...["unevaluatedProperties", "unevaluatedItems"].map((k) => [k, GROUPS.unevaluated] as const),
]);

/** The {@link GROUPS} a subschema's keywords belong to, read in its dialect (a keyword it does not model is `unmodelled`). */
export function groupsOf(keywords: SchemaObject, dialect: Dialect): number {
  let groups = 0;
  for (const keyword of Object.keys(keywords)) {
    if (isAnnotation(keyword)) continue;
    const group = GROUP_OF.get(keyword);
    if (group === GROUPS.unevaluated) groups |= group;
    else if (group !== undefined && isModelled(keyword, dialect)) groups |= group;
    else groups |= GROUPS.unmodelled;
  }
  return groups;
}
