import Schema from "typebox/schema";
import { escapeSegment, MrsFailure, mrsError } from "../errors.js";
import type { Dialect } from "./dialect.js";
import { isLinearMatcher, LinearRegExp, linearMatcher } from "./linear-regex.js";
import { child, segmentsOf } from "./pointer.js";
import {
  isSchemaObject,
  own,
  REFERENCE_KEYWORDS,
  SCHEMA_ARRAY_KEYWORDS,
  SCHEMA_MAP_KEYWORDS,
  type SchemaFacts,
  type SchemaObject,
  SINGLE_SCHEMA_KEYWORDS,
  walkSchema,
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
  // Written by concatenation, not arrays joined: a compile computes one key per new schema, and
  // the arrays were garbage the moment they were joined.
  if (Array.isArray(value)) {
    let text = "[";
    for (let index = 0; index < value.length; index++) text += `${index === 0 ? "" : ","}${contentKey(value[index])}`;
    return `${text}]`;
  }
  if (isSchemaObject(value)) {
    const keys = Object.keys(value).sort();
    let text = "{";
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      text += `${index === 0 ? "" : ","}${JSON.stringify(key)}:${contentKey(value[key])}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The validator compiled before for this content, if any. A registration does not compile
 * (TypeBox writes and evaluates code for each new schema, which was about a third of `lom start`
 * discovering 1,000 manifests of new shapes, and many capabilities are never called): the first
 * check of a capability compiles its schema (I1), without the rules again when a registration
 * passed that content (`compileRegisteredSchema`, `passedRegistration`).
 */
export function compiledFor(dialect: Dialect, key: string): EngineValidator | undefined {
  return compiled.get(cacheKeyOf(dialect, key));
}

/**
 * The cache's key: the content's, marked for draft-07 only. A content key is JSON text, which
 * never starts with `d`, so the draft-07 mark cannot collide with it; the common dialect needs
 * no copy of a long key with a prefix.
 */
function cacheKeyOf(dialect: Dialect, key: string): string {
  return dialect === "2020-12" ? key : `${dialect}:${key}`;
}

/**
 * Compiles a schema that the rules already accepted, once per content (I1). A schema the engine
 * cannot compile all the same throws an {@link MrsFailure} (`INVALID_JSON_SCHEMA`, saying why).
 */
export function compileAccepted(
  schema: SchemaObject,
  dialect: Dialect,
  key = contentKey(schema),
  facts?: SchemaFacts,
): EngineValidator {
  const cacheKey = cacheKeyOf(dialect, key);
  const hit = compiled.get(cacheKey);
  if (hit) {
    compiled.delete(cacheKey);
    compiled.set(cacheKey, hit);
    return hit;
  }
  let validator: EngineValidator;
  try {
    const copy = new EngineCopy(schema, dialect, facts ?? walkSchema(schema, ""));
    validator = Schema.Compile(copy.root as Parameters<typeof Schema.Compile>[0]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MrsFailure([
      mrsError("INVALID_JSON_SCHEMA", "", `schema cannot be compiled by the validator: ${reason}`),
    ]);
  }
  if (compiled.size >= SCHEMA_CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(cacheKey, validator);
  return validator;
}

/**
 * Whether TypeBox must run a schema's `patternProperties` itself, on V8, rather than the
 * linear engine running them for it (RULES.md E11). The keys a `patternProperties` matches are
 * annotations that `unevaluatedProperties` reads, and TypeBox offers no way for a custom check to
 * add them; and a `$dynamicRef` (or `$recursiveRef`) resolves through the dynamic scope, which a
 * separately compiled subschema would not share. In such schemas the keys stay with TypeBox, and
 * the rules only accept keys that the static analysis proves safe on the backtracking engine.
 */
export function patternPropertiesOnEngine(facts: SchemaFacts, dialect: Dialect): boolean {
  return (
    (dialect === "2020-12" && facts.unevaluatedProperties) ||
    facts.references.some((reference) => reference.keyword !== "$ref")
  );
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

/** The name under which sub-validators find the compiled copy's root (TypeBox's context of named schemas). */
const ROOT_URI = "urn:mrs:engine-root";
/** Where a moved `patternProperties` (and the `additionalProperties` beside it) are kept, so that references into them still resolve. */
const MOVED_PATTERN_PROPERTIES = "x-mrs-patternProperties";
const MOVED_ADDITIONAL_PROPERTIES = "x-mrs-additionalProperties";
const MOVED_ADDITIONAL_PATH = new RegExp(`/${MOVED_ADDITIONAL_PROPERTIES}(?:-\\d+)?$`);
/** Marks the message of a custom check that carries the errors of its members, as JSON. */
const NESTED_ERRORS = "\u0000mrs-nested-errors:";

/**
 * Sets a member of a new object as data, `__proto__` included (E12): an assignment would set the
 * object's prototype instead.
 */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Names chosen for the moved members of one object schema. */
interface Moved {
  readonly patternProperties: string;
  readonly additionalProperties: string;
}

/** One key test of a moved `patternProperties`, and the pointer of its subschema in the copy. */
interface KeyTest {
  readonly test: (key: string) => boolean;
  readonly schema: unknown;
  readonly pointer: string;
}

interface PatternPropertiesCheck {
  readonly keys: readonly KeyTest[];
  readonly names: ReadonlySet<string>;
  /** `additionalProperties` beside them, when there is one. */
  readonly additional?: { readonly schema: unknown; readonly pointer: string };
}

/**
 * Where a subschema of the copy is, as a chain to its parent: most subschemas never need their
 * JSON Pointer (only a moved `patternProperties` does), so it is written out only then.
 */
type Path = { readonly parent: Path; readonly segment: string | number } | undefined;

function pointerOf(path: Path): string {
  const segments: (string | number)[] = [];
  for (let at = path; at !== undefined; at = at.parent) segments.push(at.segment);
  return child("", ...segments.reverse());
}

/** An error of TypeBox's, as `Errors` gives them. */
export interface EngineError {
  readonly keyword: string;
  readonly schemaPath: string;
  readonly instancePath: string;
  readonly params: object;
  readonly message: string;
}

/**
 * The copy of a schema the engine compiles (RULES.md E11, E12). Keywords the dialect does not
 * define are dropped (they are annotations there), and in draft-07 the siblings of `$ref` too.
 * Every regular expression of the schema runs on the linear engine where it can:
 *
 * - a `pattern` string becomes a {@link LinearRegExp}, which TypeBox's `pattern` keyword accepts
 *   in place of a string and calls through `test`;
 * - `patternProperties` (TypeBox compiles their keys with `new RegExp`, and folds them into the
 *   regular expression of an `additionalProperties` beside them) is moved under
 *   {@link MOVED_PATTERN_PROPERTIES}, with that `additionalProperties`, and replaced by one of
 *   TypeBox's custom checks (`~refine`, the keyword behind `Type.Refine`): it tests each member's
 *   name on the linear engine and validates the member with a validator compiled from the copy's
 *   own subschema (a `$ref` into the copy, so that local references resolve as in the whole);
 *   `$ref`s that pointed into a moved member are rewritten to its new place. Its errors are
 *   mapped back to the members' pointers by {@link expandNestedErrors}.
 *
 * Only patterns the rules judged safe on the backtracking engine (lookarounds, backreferences,
 * and `patternProperties` where {@link patternPropertiesOnEngine}) are left to V8. New objects get
 * `__proto__` as a plain member (E12), never as their prototype.
 */
class EngineCopy {
  readonly root: unknown;
  private readonly dropped: ReadonlySet<string>;
  private readonly onEngine: boolean;
  /** Original object schemas whose `patternProperties` moved, with the names they moved to. */
  private readonly moved = new Map<SchemaObject, Moved>();
  private readonly validators = new Map<string, EngineValidator>();

  constructor(
    private readonly original: SchemaObject,
    private readonly dialect: Dialect,
    facts: SchemaFacts,
  ) {
    this.dropped = dialect === "draft-07" ? NOT_IN_DRAFT_07 : NOT_IN_2020_12;
    this.onEngine = patternPropertiesOnEngine(facts, dialect);
    const root = this.copy(original, undefined);
    this.root = this.moved.size > 0 ? this.rewriteReferences(root) : root;
  }

  private copy(schema: unknown, path: Path): unknown {
    if (!isSchemaObject(schema)) return schema;
    const hasRef = this.dialect === "draft-07" && Object.hasOwn(schema, "$ref");
    const names =
      !this.onEngine && isSchemaObject(own(schema, "patternProperties")) && this.keeps("patternProperties", hasRef)
        ? this.movedNames(schema)
        : undefined;
    // Built member by member (a copy per new schema compiled: no arrays of entries to throw away).
    const copy: Record<string, unknown> = {};
    for (const keyword of Object.keys(schema)) {
      if (!this.keeps(keyword, hasRef)) continue;
      const placed =
        names && keyword === "patternProperties"
          ? names.patternProperties
          : names && keyword === "additionalProperties"
            ? names.additionalProperties
            : keyword;
      define(copy, placed, this.subschemas(keyword, schema[keyword], { parent: path, segment: placed }));
    }
    if (typeof copy.pattern === "string" && Object.hasOwn(copy, "pattern")) copy.pattern = linearPattern(copy.pattern);
    if (!names) return copy;
    this.moved.set(schema, names);
    copy["~refine"] = [this.patternPropertiesCheck(copy, pointerOf(path), names)];
    return copy;
  }

  /** Whether the engine reads this keyword here: the dialect defines it, and in draft-07 no `$ref` beside it hides it. */
  private keeps(keyword: string, hasRef: boolean): boolean {
    return !this.dropped.has(keyword) && (!hasRef || KEPT_BESIDE_DRAFT_07_REF.has(keyword));
  }

  private subschemas(keyword: string, value: unknown, path: Path): unknown {
    if ((SINGLE_SCHEMA_KEYWORDS as readonly string[]).includes(keyword) && !Array.isArray(value)) {
      return this.copy(value, path);
    }
    if ((SCHEMA_ARRAY_KEYWORDS as readonly string[]).includes(keyword) && Array.isArray(value)) {
      return value.map((item, index) => this.copy(item, { parent: path, segment: index }));
    }
    if ((SCHEMA_MAP_KEYWORDS as readonly string[]).includes(keyword) && isSchemaObject(value)) {
      const map: Record<string, unknown> = {};
      for (const name of Object.keys(value)) define(map, name, this.copy(value[name], { parent: path, segment: name }));
      return map;
    }
    return value;
  }

  /** Names for the moved members that the schema does not already use for something else. */
  private movedNames(schema: SchemaObject): Moved {
    const free = (base: string): string => {
      let name = base;
      for (let index = 1; Object.hasOwn(schema, name); index++) name = `${base}-${index}`;
      return name;
    };
    return {
      patternProperties: free(MOVED_PATTERN_PROPERTIES),
      additionalProperties: free(MOVED_ADDITIONAL_PROPERTIES),
    };
  }

  private patternPropertiesCheck(copy: Record<string, unknown>, pointer: string, names: Moved) {
    const moved = copy[names.patternProperties] as Record<string, unknown>;
    const patternPointer = child(pointer, names.patternProperties);
    const spec: PatternPropertiesCheck = {
      keys: Object.entries(moved).map(([source, schema]) => ({
        test: keyTest(source),
        schema,
        pointer: child(patternPointer, source),
      })),
      names: new Set(isSchemaObject(copy.properties) ? Object.keys(copy.properties) : []),
      ...(Object.hasOwn(copy, names.additionalProperties)
        ? {
            additional: {
              schema: copy[names.additionalProperties],
              pointer: child(pointer, names.additionalProperties),
            },
          }
        : {}),
    };
    return {
      check: (value: unknown): boolean => this.checkMembers(spec, value),
      error: (value: unknown): string => NESTED_ERRORS + JSON.stringify(this.memberErrors(spec, value)),
    };
  }

  private checkMembers(spec: PatternPropertiesCheck, value: unknown): boolean {
    if (!isSchemaObject(value)) return true;
    for (const name of Object.keys(value)) {
      let matched = false;
      for (const key of spec.keys) {
        if (!key.test(name)) continue;
        matched = true;
        if (!this.valid(key.schema, key.pointer, value[name])) return false;
      }
      if (spec.additional && !matched && !spec.names.has(name)) {
        if (!this.valid(spec.additional.schema, spec.additional.pointer, value[name])) return false;
      }
    }
    return true;
  }

  private memberErrors(spec: PatternPropertiesCheck, value: unknown): EngineError[] {
    const errors: EngineError[] = [];
    if (!isSchemaObject(value)) return errors;
    for (const name of Object.keys(value)) {
      let matched = false;
      for (const key of spec.keys) {
        if (!key.test(name)) continue;
        matched = true;
        errors.push(...this.errorsAt(key.schema, key.pointer, name, value[name]));
      }
      if (spec.additional && !matched && !spec.names.has(name)) {
        errors.push(...this.errorsAt(spec.additional.schema, spec.additional.pointer, name, value[name]));
      }
    }
    return errors;
  }

  private valid(schema: unknown, pointer: string, member: unknown): boolean {
    if (schema === true) return true;
    if (schema === false) return false;
    return this.validatorAt(pointer).Check(member);
  }

  private errorsAt(schema: unknown, pointer: string, name: string, member: unknown): EngineError[] {
    if (schema === true) return [];
    const at = child("", name);
    if (schema === false) {
      // As TypeBox reports a member that `additionalProperties: false` (or a `false` subschema) refuses.
      const schemaPath = `#${pointer}`.replace(MOVED_ADDITIONAL_PATH, "/additionalProperties");
      return [{ keyword: "boolean", schemaPath, instancePath: at, params: {}, message: "must not be present" }];
    }
    const [, list] = this.validatorAt(pointer).Errors(member) as unknown as [boolean, EngineError[]];
    return list.map((error) => ({
      ...error,
      params: plainParams(error.params),
      instancePath: at + error.instancePath,
    }));
  }

  /** A validator of one subschema of the copy, compiled on first use, resolving references in the whole copy. */
  private validatorAt(pointer: string): EngineValidator {
    let validator = this.validators.get(pointer);
    if (!validator) {
      const fragment = (segmentsOf(pointer) ?? [])
        .map((segment) => `/${encodeURIComponent(escapeSegment(segment))}`)
        .join("");
      const context = { [ROOT_URI]: this.root } as unknown as Parameters<typeof Schema.Compile>[0];
      validator = Schema.Compile(context, { $ref: `${ROOT_URI}#${fragment}` } as Parameters<typeof Schema.Compile>[1]);
      this.validators.set(pointer, validator);
    }
    return validator;
  }

  /** Rewrites every local `$ref` that passes through a moved member, so that it still reaches its target. */
  private rewriteReferences(root: unknown): unknown {
    const stack: unknown[] = [root];
    for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
      if (!isSchemaObject(value)) continue;
      const object = value as Record<string, unknown>;
      for (const keyword of REFERENCE_KEYWORDS) {
        const reference = object[keyword];
        if (Object.hasOwn(object, keyword) && typeof reference === "string")
          object[keyword] = this.rewritten(reference);
      }
      for (const [keyword, member] of Object.entries(object)) {
        const single = (SINGLE_SCHEMA_KEYWORDS as readonly string[]).includes(keyword);
        const list = (SCHEMA_ARRAY_KEYWORDS as readonly string[]).includes(keyword);
        const map =
          (SCHEMA_MAP_KEYWORDS as readonly string[]).includes(keyword) || keyword.startsWith(MOVED_PATTERN_PROPERTIES);
        if ((single || keyword.startsWith(MOVED_ADDITIONAL_PROPERTIES)) && !Array.isArray(member)) stack.push(member);
        if (list && Array.isArray(member)) stack.push(...member);
        if (map && isSchemaObject(member)) stack.push(...Object.values(member));
      }
    }
    return root;
  }

  private rewritten(reference: string): string {
    if (!reference.startsWith("#/")) return reference;
    let segments: string[] | undefined;
    try {
      segments = segmentsOf(decodeURIComponent(reference.slice(1)));
    } catch {
      return reference;
    }
    if (!segments) return reference;
    let current: unknown = this.original;
    let changed = false;
    const result = segments.map((segment) => {
      const names = isSchemaObject(current) ? this.moved.get(current) : undefined;
      const next = isSchemaObject(current) && Object.hasOwn(current, segment) ? current[segment] : undefined;
      current = Array.isArray(current) ? current[Number(segment)] : next;
      if (names && segment === "patternProperties") {
        changed = true;
        return names.patternProperties;
      }
      if (names && segment === "additionalProperties") {
        changed = true;
        return names.additionalProperties;
      }
      return segment;
    });
    if (!changed) return reference;
    return `#${result.map((segment) => `/${encodeURIComponent(escapeSegment(segment))}`).join("")}`;
  }
}

/** A pattern string as the engine copy carries it: on the linear engine when it can run there, else as written (for V8). */
function linearPattern(source: string): unknown {
  try {
    const matcher = linearMatcher(source);
    return isLinearMatcher(matcher) ? new LinearRegExp(matcher) : source;
  } catch {
    return source;
  }
}

/** The test of a `patternProperties` key: the linear engine where it can run it, else V8 (the rules proved it safe there). */
function keyTest(source: string): (key: string) => boolean {
  const pattern = linearPattern(source);
  const regexp = pattern instanceof RegExp ? pattern : new RegExp(source, "u");
  return (key) => regexp.test(key);
}

/** Error parameters as JSON can carry them: a pattern on the linear engine is named by its source. */
function plainParams(params: object): object {
  const pattern = (params as { pattern?: unknown }).pattern;
  return pattern instanceof RegExp ? { ...params, pattern: pattern.source } : params;
}

/**
 * TypeBox's errors with those of the custom checks that stand for `patternProperties` replaced
 * by the errors of the members they found, at the members' pointers.
 */
export function expandNestedErrors(errors: readonly EngineError[]): EngineError[] {
  return errors.flatMap((error) => {
    const message = (error.params as { message?: unknown }).message;
    if (error.keyword !== "~refine" || typeof message !== "string" || !message.startsWith(NESTED_ERRORS)) {
      return [{ ...error, params: plainParams(error.params) }];
    }
    const nested = JSON.parse(message.slice(NESTED_ERRORS.length)) as EngineError[];
    return expandNestedErrors(nested).map((inner) => ({
      ...inner,
      instancePath: error.instancePath + inner.instancePath,
    }));
  });
}
