import { Format } from "typebox/format";
import Schema from "typebox/schema";
import type { Dialect } from "./dialect.js";
import { isSchemaObject, type SchemaObject } from "./schema-walk.js";

/**
 * A quick, one-sided reading of the meta-schemas (RULES.md E9): `true` only when every keyword
 * that the dialect's meta-schema constrains holds a value of its kind, so that the meta-schema
 * would accept the schema too; `false` whenever it cannot vouch (an unusual keyword, a value it
 * does not read), and the caller then runs the meta-schema itself.
 *
 * Why: the compiled 2020-12 meta-schema walks every subschema through seven vocabularies with
 * dynamic references and unevaluated-property tracking, about a third of compiling a new
 * capability schema; nearly every schema a module sends is made of a dozen everyday keywords.
 * The `format`s the meta-schema asks for (`regex`, `uri`...) are tested with the engine's own
 * format checks, so both readings agree on them by construction. A property test holds this
 * function to the meta-schema on generated schemas.
 */
export function surelyWellFormed(schema: unknown, dialect: Dialect): boolean {
  return isWellFormed(schema, dialect === "draft-07" ? DRAFT_07 : DRAFT_2020_12);
}

type Kind = (value: unknown, table: Table) => boolean;
type Table = ReadonlyMap<string, Kind>;

function isWellFormed(schema: unknown, table: Table): boolean {
  if (typeof schema === "boolean") return true;
  if (!isSchemaObject(schema)) return false;
  for (const key of Object.keys(schema)) {
    const kind = table.get(key);
    if (kind === undefined) continue;
    if (!kind(schema[key], table)) return false;
  }
  return true;
}

const SIMPLE_TYPES = new Set(["array", "boolean", "integer", "null", "number", "object", "string"]);

const schemaKind: Kind = (value, table) => isWellFormed(value, table);
const schemaArray: Kind = (value, table) =>
  Array.isArray(value) && value.length > 0 && value.every((item) => isWellFormed(item, table));
const schemaMap: Kind = (value, table) => isSchemaObject(value) && everyValue(value, (v) => isWellFormed(v, table));
const string: Kind = (value) => typeof value === "string";
const boolean: Kind = (value) => typeof value === "boolean";
const number: Kind = (value) => typeof value === "number" && Number.isFinite(value);
const positive: Kind = (value) => typeof value === "number" && Number.isFinite(value) && value > 0;
const count: Kind = (value) => typeof value === "number" && Number.isInteger(value) && value >= 0;
const anything: Kind = () => true;
const array: Kind = (value) => Array.isArray(value);
const stringArray: Kind = (value) =>
  Array.isArray(value) && value.every((item) => typeof item === "string") && new Set(value).size === value.length;
const type: Kind = (value) =>
  typeof value === "string"
    ? SIMPLE_TYPES.has(value)
    : Array.isArray(value) &&
      value.length > 0 &&
      value.every((item) => typeof item === "string" && SIMPLE_TYPES.has(item)) &&
      new Set(value).size === value.length;
/** A format the meta-schema asks for, through the engine's own check; none registered: cannot vouch. */
const formatted =
  (name: string): Kind =>
  (value) => {
    const check = Format.Get(name);
    return typeof value === "string" && check !== undefined && check(value);
  };
const patternMap: Kind = (value, table) => {
  const regex = Format.Get("regex");
  return (
    regex !== undefined &&
    isSchemaObject(value) &&
    Object.keys(value).every((key) => regex(key)) &&
    everyValue(value, (v) => isWellFormed(v, table))
  );
};
/**
 * Draft-07 asks for at least one value, all distinct; distinct is only read here for scalars
 * (comparing objects by content is the meta-schema's job).
 */
const scalarEnum: Kind = (value) => {
  if (!Array.isArray(value) || value.length === 0) return false;
  const seen = new Set<string>();
  for (const item of value) {
    if (item !== null && typeof item === "object") return false;
    const key = `${typeof item}:${String(item)}`;
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
};
const stringArrayMap: Kind = (value) => isSchemaObject(value) && everyValue(value, (v) => stringArray(v, EMPTY));

const EMPTY: Table = new Map();

function everyValue(object: SchemaObject, test: (value: unknown) => boolean): boolean {
  for (const key of Object.keys(object)) if (!test(object[key])) return false;
  return true;
}

/** What both dialects read alike. */
const COMMON: [string, Kind][] = [
  ["$ref", formatted("uri-reference")],
  ["$schema", formatted("uri")],
  ["$comment", string],
  ["title", string],
  ["description", string],
  ["default", anything],
  ["readOnly", boolean],
  ["writeOnly", boolean],
  ["examples", array],
  ["multipleOf", positive],
  ["maximum", number],
  ["exclusiveMaximum", number],
  ["minimum", number],
  ["exclusiveMinimum", number],
  ["maxLength", count],
  ["minLength", count],
  ["pattern", formatted("regex")],
  ["maxItems", count],
  ["minItems", count],
  ["uniqueItems", boolean],
  ["contains", schemaKind],
  ["maxProperties", count],
  ["minProperties", count],
  ["required", stringArray],
  ["additionalProperties", schemaKind],
  ["definitions", schemaMap],
  ["properties", schemaMap],
  ["patternProperties", patternMap],
  ["propertyNames", schemaKind],
  ["const", anything],
  ["type", type],
  ["format", string],
  ["contentMediaType", string],
  ["contentEncoding", string],
  ["if", schemaKind],
  ["then", schemaKind],
  ["else", schemaKind],
  ["allOf", schemaArray],
  ["anyOf", schemaArray],
  ["oneOf", schemaArray],
  ["not", schemaKind],
];

const DRAFT_07: Table = sealed(
  "http://json-schema.org/draft-07/schema#",
  new Map<string, Kind>([
    ...COMMON,
    ["additionalItems", schemaKind],
    ["items", (value, table) => (Array.isArray(value) ? schemaArray(value, table) : isWellFormed(value, table))],
    ["enum", scalarEnum],
  ]),
);

const DRAFT_2020_12: Table = sealed(
  "https://json-schema.org/draft/2020-12/schema",
  new Map<string, Kind>([
    ...COMMON,
    ["$defs", schemaMap],
    ["$anchor", (value) => typeof value === "string" && ANCHOR.test(value)],
    ["$dynamicAnchor", (value) => typeof value === "string" && ANCHOR.test(value)],
    ["$dynamicRef", formatted("uri-reference")],
    ["deprecated", boolean],
    ["prefixItems", schemaArray],
    ["items", schemaKind],
    ["dependentSchemas", schemaMap],
    ["unevaluatedItems", schemaKind],
    ["unevaluatedProperties", schemaKind],
    ["enum", array],
    ["maxContains", count],
    ["minContains", count],
    ["dependentRequired", stringArrayMap],
    ["contentSchema", schemaKind],
  ]),
);
/** The meta-schema's `anchorString`. */
const ANCHOR = /^[A-Za-z_][-A-Za-z0-9._]*$/;

/**
 * The table, with every other keyword that the meta-schema constrains (read from the
 * meta-schema itself: `$id`, `$vocabulary`, `dependencies`...) mapped to "cannot vouch", so that
 * a keyword this file does not read is never taken for an unconstrained one.
 */
function sealed(uri: string, table: Map<string, Kind>): Table {
  const cannotVouch: Kind = () => false;
  for (const keyword of constrainedKeywords(Schema.Meta[uri as keyof typeof Schema.Meta])) {
    if (!table.has(keyword)) table.set(keyword, cannotVouch);
  }
  return table;
}

/** Every property name that some `properties` of the meta-schema (or its vocabularies) names. */
export function constrainedKeywords(meta: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isSchemaObject(node)) return;
    const properties = node.properties;
    if (isSchemaObject(properties)) for (const key of Object.keys(properties)) found.add(key);
    for (const key of Object.keys(node)) visit(node[key]);
  };
  visit(meta);
  return found;
}
