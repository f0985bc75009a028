// biome-ignore-all lint/style/useTemplate: texts on the hot path of a comparison are joined with `+` on purpose: a template converts each part to a string again, a call per part
import { escapeSegment } from "../errors.js";
import type { Dialect } from "../validation/dialect.js";
import { isSchemaObject, type SchemaObject } from "../validation/schema-walk.js";

/** One capability schema as the comparison reads it: its value, where it is in its payload, and its dialect. */
export interface SchemaRoot {
  readonly schema: unknown;
  /** JSON Pointer of the schema in its payload (`/capabilities/0/input_schema`). */
  readonly pointer: string;
  readonly dialect: Dialect;
}

/**
 * A subschema being compared: its value, its JSON Pointer in the payload, and its root (which
 * its `$ref`s resolve against). `variant` tells apart two views of one location (a node and the
 * same node without its `$ref`), so that the cycle guard does not mistake one for the other.
 */
export interface Side {
  readonly schema: unknown;
  readonly pointer: string;
  readonly root: SchemaRoot;
  readonly variant?: string;
}

/** `true` as an object: no keyword, every instance. */
const ANYTHING: SchemaObject = Object.freeze({});

/** The keywords of a subschema: `true` reads as `{}`, `false` (refuses everything) as `undefined`. */
export function keywordsOf(side: Side): SchemaObject | undefined {
  if (side.schema === true) return ANYTHING;
  return isSchemaObject(side.schema) ? side.schema : undefined;
}

/** A root that is also the subschema at its top, as the comparison of a capability schema starts. */
export interface RootSide extends SchemaRoot, Side {
  readonly root: RootSide;
}

/** The subschema at `pointer` from a root (a reference's target): its full pointer written out only for a difference. */
export function atPointer(schema: unknown, root: SchemaRoot, pointer: string): Side {
  return new Target(schema, root, pointer);
}

class Target implements Side {
  declare readonly schema: unknown;
  declare readonly root: SchemaRoot;
  declare readonly variant: string | undefined;
  declare private readonly fromRoot: string;

  constructor(schema: unknown, root: SchemaRoot, fromRoot: string) {
    this.schema = schema;
    this.root = root;
    this.variant = undefined;
    this.fromRoot = fromRoot;
  }

  get pointer(): string {
    return this.root.pointer + this.fromRoot;
  }
}

/** A subschema standing for an absent keyword (`additionalProperties` left out is `true`), located at its parent. */
export function absent(parent: Side, keyword: string): Side {
  return new Derived(true, parent, undefined, undefined, `no ${keyword}`);
}

/**
 * A subschema reached from its parent. Its pointer is written out when first read: the
 * comparison visits every subschema but reads the pointers of the few it reports. (Fields here
 * and in the other small classes of the comparison are `declare`d and set by the constructor
 * alone, without the defining pass that class fields otherwise add to every construction.)
 */
class Derived implements Side {
  declare readonly schema: unknown;
  declare readonly root: SchemaRoot;
  declare readonly variant: string | undefined;
  declare private readonly parent: Side;
  /** The keyword (and map key or list index) below the parent; none for a view of the parent itself. */
  declare private readonly keyword: string | undefined;
  declare private readonly key: string | number | undefined;
  declare private written: string | undefined;

  constructor(
    schema: unknown,
    parent: Side,
    keyword: string | undefined,
    key: string | number | undefined,
    variant: string | undefined,
  ) {
    this.schema = schema;
    this.root = parent.root;
    this.variant = variant;
    this.parent = parent;
    this.keyword = keyword;
    this.key = key;
    this.written = undefined;
  }

  get pointer(): string {
    if (this.written === undefined) {
      // Keywords the comparison names need no escaping; member names may. Joined with `+` (see
      // Step in comparison.ts), the keyword of a map with both its slashes.
      const parent = this.parent.pointer;
      const keyword = this.keyword;
      const key = this.key;
      if (keyword === undefined) this.written = parent;
      else if (key === undefined) this.written = parent + "/" + keyword;
      else if (typeof key === "number") this.written = parent + "/" + keyword + "/" + String(key);
      else
        this.written = parent + (keyword === "properties" ? "/properties/" : "/" + keyword + "/") + escapeSegment(key);
    }
    return this.written;
  }
}

/** The subschema under `keyword` (and `key` of a map, or `index` of a list), or `undefined`. */
export function subschema(parent: Side, keyword: string, key?: string | number): Side | undefined {
  const keywords = keywordsOf(parent);
  if (!keywords || !Object.hasOwn(keywords, keyword)) return undefined;
  const value: unknown = keywords[keyword];
  if (key === undefined) return asSubschema(value, parent, keyword, undefined);
  if (typeof key === "number") {
    return Array.isArray(value) && key < value.length ? asSubschema(value[key], parent, keyword, key) : undefined;
  }
  return isSchemaObject(value) ? entryOf(parent, keyword, value, key) : undefined;
}

/**
 * The subschema at `key` of `map`, the value of `keyword` in `parent` (`properties`), or
 * `undefined`: {@link subschema} for a caller that holds the map already.
 */
export function entryOf(parent: Side, keyword: string, map: SchemaObject, key: string): Side | undefined {
  return Object.hasOwn(map, key) ? asSubschema(map[key], parent, keyword, key) : undefined;
}

/**
 * The subschema of `name` in `properties` (the map itself), for a name its `Object.keys` listed:
 * {@link entryOf} without looking the name up first.
 */
export function propertyOf(parent: Side, properties: SchemaObject, name: string): Side | undefined {
  return asSubschema(properties[name], parent, "properties", name);
}

function asSubschema(value: unknown, parent: Side, keyword: string, key: string | number | undefined) {
  return typeof value === "boolean" || isSchemaObject(value)
    ? new Derived(value, parent, keyword, key, undefined)
    : undefined;
}

/** The pointer of `keyword` in a subschema when it is there, else of the subschema (where it is missing). */
export function keywordPointer(side: Side, keyword: string): string {
  const keywords = keywordsOf(side);
  // Keywords the comparison names hold no "~" or "/": no escaping needed.
  // The keyword joined to its slash first: folded into one text where the keyword is known.
  return keywords && Object.hasOwn(keywords, keyword) ? side.pointer + ("/" + keyword) : side.pointer;
}

/** The member names of a keyword that holds a map (`properties`, `patternProperties`), or none. */
export function namesOf(keywords: SchemaObject, keyword: string): string[] {
  const map = keywordValue(keywords, keyword);
  return isSchemaObject(map) ? Object.keys(map) : [];
}

/** The value of a keyword, own properties only (E12). */
export function keywordValue(keywords: SchemaObject, keyword: string): unknown {
  return Object.hasOwn(keywords, keyword) ? keywords[keyword] : undefined;
}
