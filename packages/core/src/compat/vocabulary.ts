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
  // A keyword's group is 0 exactly when it is an annotation (in either dialect's table): read
  // that way, the common keywords are answered without a search.
  for (const keyword of Object.keys(schema)) if (groupOfName(GROUP_IN["2020-12"], keyword) !== 0) return false;
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
export const KIND_BIT: Readonly<Record<ValueKind, number>> = {
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

/**
 * The kinds a type name admits (`0` for a name that is not one). A `switch` over the seven names:
 * every subschema compared reads its `type`, and comparing a name with each costs less than a
 * hash lookup.
 */
function kindsOfName(name: unknown): number {
  switch (name) {
    case "object":
      return KIND_BIT.object;
    case "string":
      return KIND_BIT.string;
    case "array":
      return KIND_BIT.array;
    case "integer":
      return KIND_BIT.integer;
    case "number":
      return KIND_BIT.integer | KIND_BIT.fraction;
    case "boolean":
      return KIND_BIT.boolean;
    case "null":
      return KIND_BIT.null;
    default:
      return 0;
  }
}

/** The value kinds a subschema's `type` admits, or `undefined` when it has no `type` (every kind). */
export function kindsOf(keywords: SchemaObject): Kinds {
  const type = Object.hasOwn(keywords, "type") ? keywords.type : undefined;
  if (typeof type !== "string" && !Array.isArray(type)) return undefined;
  return kindsOfType(type);
}

/** The kinds a value of `type` admits: a name or a list of names (anything else: every kind). */
function kindsOfType(type: unknown): number {
  if (typeof type === "string") return kindsOfName(type);
  if (!Array.isArray(type)) return EVERY_KIND;
  let kinds = 0;
  for (const name of type) kinds |= kindsOfName(name);
  return kinds;
}

/** True when `kinds` (from {@link kindsOf}) admits values of `kind`. */
export function admits(kinds: Kinds, kind: ValueKind): boolean {
  return kinds === undefined || (kinds & KIND_BIT[kind]) !== 0;
}

const EVERY_KIND = 127;

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

/**
 * The keywords a subschema holds, as bits (see {@link groupsOf}): the comparison skips what
 * neither side holds without looking each keyword up. Keywords compared together share a bit;
 * those of strings and objects, which are compared one by one, have one each.
 */
export const KEYWORDS = {
  type: 1 << 0,
  /** `enum`, `const`. */
  values: 1 << 1,
  /** `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`. */
  numbers: 1 << 2,
  minLength: 1 << 3,
  maxLength: 1 << 4,
  pattern: 1 << 5,
  format: 1 << 6,
  /** The keywords of arrays. */
  arrays: 1 << 7,
  properties: 1 << 8,
  required: 1 << 9,
  patternProperties: 1 << 10,
  additionalProperties: 1 << 11,
  /** `minProperties`, `maxProperties`. */
  propertyCounts: 1 << 12,
  propertyNames: 1 << 13,
  dependentRequired: 1 << 14,
  /** `allOf`, `anyOf`, `oneOf`, `not`, `if`, `then`, `else`. */
  applicators: 1 << 15,
  /** Keywords the dialect does not model (compared as values, or undecidable). */
  unmodelled: 1 << 16,
  unevaluated: 1 << 17,
  /** `$ref`, `$dynamicRef`, `$recursiveRef` (besides `unmodelled`): a subschema without it has nothing to follow. */
  references: 1 << 18,
} as const;

/** Groups of {@link KEYWORDS}, each compared by one module. */
export const GROUPS = {
  type: KEYWORDS.type,
  values: KEYWORDS.values,
  numbers: KEYWORDS.numbers,
  strings: KEYWORDS.minLength | KEYWORDS.maxLength | KEYWORDS.pattern | KEYWORDS.format,
  arrays: KEYWORDS.arrays,
  objects:
    KEYWORDS.properties |
    KEYWORDS.required |
    KEYWORDS.patternProperties |
    KEYWORDS.additionalProperties |
    KEYWORDS.propertyCounts |
    KEYWORDS.propertyNames |
    KEYWORDS.dependentRequired,
  applicators: KEYWORDS.applicators,
  unmodelled: KEYWORDS.unmodelled,
  unevaluated: KEYWORDS.unevaluated,
  references: KEYWORDS.references,
} as const;

const REFERENCE_KEYWORDS = ["$ref", "$dynamicRef", "$recursiveRef"];

const GROUP_OF: ReadonlyMap<string, number> = new Map([
  ["type", KEYWORDS.type],
  ...["enum", "const"].map((k) => [k, KEYWORDS.values] as const),
  ...["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"].map(
    (k) => [k, KEYWORDS.numbers] as const,
  ),
  ["minLength", KEYWORDS.minLength],
  ["maxLength", KEYWORDS.maxLength],
  ["pattern", KEYWORDS.pattern],
  ["format", KEYWORDS.format],
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
  ].map((k) => [k, KEYWORDS.arrays] as const),
  ["properties", KEYWORDS.properties],
  ["patternProperties", KEYWORDS.patternProperties],
  ["additionalProperties", KEYWORDS.additionalProperties],
  ["required", KEYWORDS.required],
  ["minProperties", KEYWORDS.propertyCounts],
  ["maxProperties", KEYWORDS.propertyCounts],
  ["propertyNames", KEYWORDS.propertyNames],
  ["dependentRequired", KEYWORDS.dependentRequired],
  ...["allOf", "anyOf", "oneOf", "not", "if", "then", "else"].map((k) => [k, KEYWORDS.applicators] as const),
  ...["unevaluatedProperties", "unevaluatedItems"].map((k) => [k, KEYWORDS.unevaluated] as const),
]);

/**
 * Each keyword's bit as read in each dialect, worked out once from the sets above: `0` for an
 * annotation, its bit for a keyword the dialect models, `unevaluated` in both dialects,
 * `unmodelled` for the rest (the other dialect's keywords), and for references `unmodelled` and
 * `references`. One lookup a keyword, as every subschema compared is classified.
 */
const GROUP_IN: Readonly<Record<Dialect, ReadonlyMap<string, number>>> = {
  "2020-12": groupTable("2020-12"),
  "draft-07": groupTable("draft-07"),
};

function groupTable(dialect: Dialect): ReadonlyMap<string, number> {
  const table = new Map<string, number>();
  for (const keyword of [...ANNOTATIONS, ...MODELLED[dialect], ...GROUP_OF.keys()]) {
    const group = GROUP_OF.get(keyword);
    if (isAnnotation(keyword)) table.set(keyword, 0);
    else if (group === KEYWORDS.unevaluated) table.set(keyword, group);
    else if (group !== undefined && isModelled(keyword, dialect)) table.set(keyword, group);
    else table.set(keyword, KEYWORDS.unmodelled);
  }
  for (const keyword of REFERENCE_KEYWORDS) table.set(keyword, KEYWORDS.unmodelled | KEYWORDS.references);
  return table;
}

/**
 * The {@link KEYWORDS} a subschema holds, read in its dialect (a keyword it does not model is
 * `unmodelled`), and with `type`, the kinds it admits above them (read with {@link kindsIn}):
 * everything the comparison of one subschema needs to know first, in one pass over its keywords.
 */
export function groupsOf(keywords: SchemaObject, dialect: Dialect): number {
  const table = GROUP_IN[dialect];
  let groups = 0;
  for (const keyword of Object.keys(keywords)) groups |= groupOfName(table, keyword);
  return withKinds(groups, keywords);
}

/**
 * The {@link groupsOf} of two subschemas compared with each other: the old side's is returned,
 * the new side's left in {@link pairGroups}. Most pairs list the same names in the same order (a
 * subschema kept across versions, some value changed): a name at the same place is looked up
 * once for both sides.
 */
export function groupsOfPair(
  oldKeywords: SchemaObject,
  oldDialect: Dialect,
  newKeywords: SchemaObject,
  newDialect: Dialect,
): number {
  const oldTable = GROUP_IN[oldDialect];
  const newTable = GROUP_IN[newDialect];
  const oldNames = Object.keys(oldKeywords);
  const newNames = Object.keys(newKeywords);
  const shared = oldTable === newTable;
  let before = 0;
  let after = 0;
  for (let i = 0; i < oldNames.length; i++) {
    const name = oldNames[i] as string;
    const group = groupOfName(oldTable, name);
    before |= group;
    if (i >= newNames.length) continue;
    const other = newNames[i] as string;
    after |= shared && other === name ? group : groupOfName(newTable, other);
  }
  for (let i = oldNames.length; i < newNames.length; i++) after |= groupOfName(newTable, newNames[i] as string);
  pairGroups.next = withKinds(after, newKeywords);
  return withKinds(before, oldKeywords);
}

/** The new side's groups from the last {@link groupsOfPair}. */
export const pairGroups = { next: 0 };

function groupOfName(table: ReadonlyMap<string, number>, name: string): number {
  // The keywords most subschemas hold, read the same way in both dialects, are answered before
  // the table is searched: comparing a name with a few others costs less than a hash lookup
  // (the tables stay the reference, and a test holds these answers to them).
  if (name === "type") return KEYWORDS.type;
  if (name === "properties") return KEYWORDS.properties;
  if (name === "required") return KEYWORDS.required;
  if (name === "description") return 0;
  const group = table.get(name);
  if (group !== undefined) return group;
  return name.startsWith("x-") ? 0 : KEYWORDS.unmodelled;
}

/** Groups with the kinds `type` admits above them; `type` is one of the subschema's own names when its bit is set. */
function withKinds(groups: number, keywords: SchemaObject): number {
  return groups & KEYWORDS.type ? groups | (kindsOfType(keywords.type) << KINDS_SHIFT) : groups;
}

/** Where {@link groupsOf} puts the kinds `type` admits: above every bit of {@link KEYWORDS}. */
const KINDS_SHIFT = 20;

/** The kinds a subschema admits, as bits of {@link KIND_BIT}, from its {@link groupsOf} (without `type`: every kind). */
export function kindsIn(groups: number): number {
  return groups & KEYWORDS.type ? (groups >>> KINDS_SHIFT) & EVERY_KIND : EVERY_KIND;
}
