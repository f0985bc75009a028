import { MAX_ENUM_VALUES, MAX_SCHEMA_DEPTH, MAX_SUBSCHEMAS } from "./limits.js";
import { child } from "./pointer.js";

/**
 * Keywords whose value is one subschema. The union of draft-07 and draft 2020-12: the engine
 * understands both, so every place it could look is checked, whatever `$schema` says.
 */
export const SINGLE_SCHEMA_KEYWORDS = [
  "additionalItems",
  "additionalProperties",
  "contains",
  "contentSchema",
  "else",
  "if",
  "items",
  "not",
  "propertyNames",
  "then",
  "unevaluatedItems",
  "unevaluatedProperties",
] as const;
/** Keywords whose value is an array of subschemas (`items` too, in draft-07's tuple form). */
export const SCHEMA_ARRAY_KEYWORDS = ["allOf", "anyOf", "oneOf", "prefixItems", "items"] as const;
/** Keywords whose value maps names to subschemas (`dependencies` also maps names to arrays). */
export const SCHEMA_MAP_KEYWORDS = [
  "$defs",
  "definitions",
  "dependencies",
  "dependentSchemas",
  "patternProperties",
  "properties",
] as const;
/** Keywords that reference another schema. */
export const REFERENCE_KEYWORDS = ["$ref", "$dynamicRef", "$recursiveRef"] as const;

/** A JSON object that can stand as a schema (not an array). */
export type SchemaObject = Readonly<Record<string, unknown>>;

/** One subschema, where it is and how deep (the root is level 0). */
export interface SubschemaVisit {
  readonly schema: SchemaObject | boolean;
  readonly pointer: string;
  readonly depth: number;
}

/** What one walk over a capability schema found. */
export interface SchemaFacts {
  /** Every subschema visited, the root first; the walk stops at the first limit crossed. */
  readonly subschemas: readonly SubschemaVisit[];
  /** The first subschema deeper than {@link MAX_SCHEMA_DEPTH}. */
  readonly tooDeep?: string;
  /** Set when the schema holds more than {@link MAX_SUBSCHEMAS} subschemas. */
  readonly tooMany?: boolean;
  /** `enum` keywords with more than {@link MAX_ENUM_VALUES} values. */
  readonly largeEnums: readonly { readonly pointer: string; readonly size: number }[];
  /** `$ref`, `$dynamicRef` and `$recursiveRef` values with the pointer of the keyword. */
  readonly references: readonly { readonly pointer: string; readonly keyword: string; readonly value: string }[];
  /** `$id` values below the root. */
  readonly nestedIds: readonly { readonly pointer: string; readonly value: string }[];
  /** `$schema` keywords below the root. */
  readonly nestedDialects: readonly string[];
  /** Names defined by `$anchor` and `$dynamicAnchor`, and draft-07 `$id: "#name"`. */
  readonly anchors: ReadonlySet<string>;
  /** Regular expressions: `pattern` values and `patternProperties` keys, with their pointers. */
  readonly patterns: readonly {
    readonly pointer: string;
    readonly source: string;
    readonly keyword: "pattern" | "patternProperties";
  }[];
  /** Whether any subschema has `unevaluatedProperties`. */
  readonly unevaluatedProperties: boolean;
  /** `format` values with the pointer of the keyword. */
  readonly formats: readonly { readonly pointer: string; readonly name: string }[];
}

/** True for a JSON object that is not an array. */
export function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSubschema(value: unknown): value is SchemaObject | boolean {
  return typeof value === "boolean" || isSchemaObject(value);
}

/**
 * Visits every subschema of a schema without recursion, stopping at the first E11 limit
 * crossed, and collects what the rules check (RULES.md E9-E11). Values of `const`, `enum`,
 * `default` and other non-schema keywords are data and are never entered.
 *
 * @param base the JSON Pointer of the schema in the payload, prefixed to every pointer found.
 */
export function walkSchema(schema: unknown, base: string): SchemaFacts {
  const facts = {
    subschemas: [] as SubschemaVisit[],
    tooDeep: undefined as string | undefined,
    tooMany: undefined as boolean | undefined,
    largeEnums: [] as { pointer: string; size: number }[],
    references: [] as { pointer: string; keyword: string; value: string }[],
    nestedIds: [] as { pointer: string; value: string }[],
    nestedDialects: [] as string[],
    anchors: new Set<string>(),
    patterns: [] as { pointer: string; source: string; keyword: "pattern" | "patternProperties" }[],
    unevaluatedProperties: false,
    formats: [] as { pointer: string; name: string }[],
  };
  if (!isSubschema(schema)) return facts;
  const stack: SubschemaVisit[] = [{ schema, pointer: base, depth: 0 }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    if (visit.depth > MAX_SCHEMA_DEPTH) {
      facts.tooDeep = visit.pointer;
      break;
    }
    if (facts.subschemas.length >= MAX_SUBSCHEMAS) {
      facts.tooMany = true;
      break;
    }
    facts.subschemas.push(visit);
    if (typeof visit.schema === "boolean") continue;
    collect(visit, facts);
    // Pushed in reverse so that subschemas are visited in document order.
    const children = childrenOf(visit);
    for (let index = children.length - 1; index >= 0; index--) stack.push(children[index] as SubschemaVisit);
  }
  return facts;
}

function collect(
  { schema, pointer, depth }: SubschemaVisit,
  facts: {
    largeEnums: { pointer: string; size: number }[];
    references: { pointer: string; keyword: string; value: string }[];
    nestedIds: { pointer: string; value: string }[];
    nestedDialects: string[];
    anchors: Set<string>;
    patterns: { pointer: string; source: string; keyword: "pattern" | "patternProperties" }[];
    unevaluatedProperties: boolean;
    formats: { pointer: string; name: string }[];
  },
): void {
  if (typeof schema === "boolean") return;
  for (const keyword of REFERENCE_KEYWORDS) {
    const value = own(schema, keyword);
    if (typeof value === "string") facts.references.push({ pointer: child(pointer, keyword), keyword, value });
  }
  const id = own(schema, "$id");
  if (typeof id === "string") {
    if (id.startsWith("#") && id.length > 1) facts.anchors.add(id.slice(1));
    if (depth > 0) facts.nestedIds.push({ pointer: child(pointer, "$id"), value: id });
  }
  if (depth > 0 && Object.hasOwn(schema, "$schema")) facts.nestedDialects.push(child(pointer, "$schema"));
  for (const keyword of ["$anchor", "$dynamicAnchor"]) {
    const anchor = own(schema, keyword);
    if (typeof anchor === "string") facts.anchors.add(anchor);
  }
  const pattern = own(schema, "pattern");
  if (typeof pattern === "string") {
    facts.patterns.push({ pointer: child(pointer, "pattern"), source: pattern, keyword: "pattern" });
  }
  if (Object.hasOwn(schema, "unevaluatedProperties")) facts.unevaluatedProperties = true;
  const patternProperties = own(schema, "patternProperties");
  if (isSchemaObject(patternProperties)) {
    for (const key of Object.keys(patternProperties)) {
      facts.patterns.push({
        pointer: child(pointer, "patternProperties", key),
        source: key,
        keyword: "patternProperties",
      });
    }
  }
  const format = own(schema, "format");
  if (typeof format === "string") facts.formats.push({ pointer: child(pointer, "format"), name: format });
  const values = own(schema, "enum");
  if (Array.isArray(values) && values.length > MAX_ENUM_VALUES) {
    facts.largeEnums.push({ pointer: child(pointer, "enum"), size: values.length });
  }
}

function childrenOf({ schema, pointer, depth }: SubschemaVisit): SubschemaVisit[] {
  const children: SubschemaVisit[] = [];
  if (typeof schema === "boolean") return children;
  const next = depth + 1;
  for (const keyword of SINGLE_SCHEMA_KEYWORDS) {
    const value = own(schema, keyword);
    if (isSubschema(value)) children.push({ schema: value, pointer: child(pointer, keyword), depth: next });
  }
  for (const keyword of SCHEMA_ARRAY_KEYWORDS) {
    const value = own(schema, keyword);
    if (!Array.isArray(value)) continue;
    value.forEach((item, index) => {
      if (isSubschema(item)) children.push({ schema: item, pointer: child(pointer, keyword, index), depth: next });
    });
  }
  for (const keyword of SCHEMA_MAP_KEYWORDS) {
    const value = own(schema, keyword);
    if (!isSchemaObject(value)) continue;
    for (const [name, item] of Object.entries(value)) {
      if (isSubschema(item)) children.push({ schema: item, pointer: child(pointer, keyword, name), depth: next });
    }
  }
  return children;
}

/** An own property only: `own(schema, "__proto__")` reads data, never the prototype (E12). */
export function own(object: SchemaObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
