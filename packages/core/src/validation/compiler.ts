import Schema from "typebox/schema";
import type { Dialect } from "./dialect.js";
import {
  isSchemaObject,
  SCHEMA_ARRAY_KEYWORDS,
  SCHEMA_MAP_KEYWORDS,
  type SchemaObject,
  SINGLE_SCHEMA_KEYWORDS,
} from "./schema-walk.js";

/** A compiled TypeBox validator of one capability schema. */
export type EngineValidator = ReturnType<typeof Schema.Compile>;

/** How many compiled schemas are kept; the least recently used goes first. */
export const SCHEMA_CACHE_LIMIT = 1000;
const compiled = new Map<string, EngineValidator>();

/**
 * A stable key for a schema's content: JSON with the members of every object sorted, so that
 * `{"a":1,"b":2}` and `{"b":2,"a":1}` share one compiled validator (RULES.md I1). Callers must
 * have bounded the depth (E11).
 */
export function contentKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(contentKey).join(",")}]`;
  if (isSchemaObject(value)) {
    const members = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${contentKey(value[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The validator already compiled for this content, if any. Only schemas that passed every rule
 * are ever compiled, so a hit needs no new check.
 */
export function compiledFor(dialect: Dialect, key: string): EngineValidator | undefined {
  return compiled.get(`${dialect}:${key}`);
}

/**
 * Compiles a schema that the rules already accepted, once per content (I1). Throws what the
 * engine throws for a schema it cannot compile.
 */
export function compileAccepted(schema: SchemaObject, dialect: Dialect, key = contentKey(schema)): EngineValidator {
  const cacheKey = `${dialect}:${key}`;
  const hit = compiled.get(cacheKey);
  if (hit) {
    compiled.delete(cacheKey);
    compiled.set(cacheKey, hit);
    return hit;
  }
  const validator = Schema.Compile(forEngine(schema, dialect) as Parameters<typeof Schema.Compile>[0]);
  if (compiled.size >= SCHEMA_CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(cacheKey, validator);
  return validator;
}

// The engine reads draft-07 and 2020-12 keywords alike; each dialect ignores the other's.
const NOT_IN_DRAFT_07 = new Set([
  "prefixItems",
  "unevaluatedItems",
  "unevaluatedProperties",
  "dependentSchemas",
  "dependentRequired",
  "minContains",
  "maxContains",
]);
const NOT_IN_2020_12 = new Set(["additionalItems", "dependencies"]);
// Draft-07 ignores every sibling of `$ref` (section 8.3); these are kept because they only
// name or locate schemas that other references may point into.
const KEPT_BESIDE_DRAFT_07_REF = new Set(["$ref", "$id", "$schema", "$comment", "definitions", "$defs"]);

/**
 * A copy of the schema as the engine must see it to follow the dialect: keywords the dialect
 * does not define are dropped (they are annotations there), and in draft-07 the siblings of
 * `$ref` too. Builds new objects with `Object.fromEntries`, which defines `__proto__` as a plain
 * member: no prototype is touched (E12).
 */
export function forEngine(schema: unknown, dialect: Dialect): unknown {
  if (!isSchemaObject(schema)) return schema;
  const dropped = dialect === "draft-07" ? NOT_IN_DRAFT_07 : NOT_IN_2020_12;
  const hasRef = dialect === "draft-07" && Object.hasOwn(schema, "$ref");
  const entries = Object.entries(schema)
    .filter(([keyword]) => !dropped.has(keyword) && (!hasRef || KEPT_BESIDE_DRAFT_07_REF.has(keyword)))
    .map(([keyword, value]): [string, unknown] => [keyword, subschemasForEngine(keyword, value, dialect)]);
  return Object.fromEntries(entries);
}

function subschemasForEngine(keyword: string, value: unknown, dialect: Dialect): unknown {
  if ((SINGLE_SCHEMA_KEYWORDS as readonly string[]).includes(keyword) && !Array.isArray(value)) {
    return forEngine(value, dialect);
  }
  if ((SCHEMA_ARRAY_KEYWORDS as readonly string[]).includes(keyword) && Array.isArray(value)) {
    return value.map((item) => forEngine(item, dialect));
  }
  if ((SCHEMA_MAP_KEYWORDS as readonly string[]).includes(keyword) && isSchemaObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, forEngine(item, dialect)]));
  }
  return value;
}
