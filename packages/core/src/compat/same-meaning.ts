import { resolveRef } from "./refs.js";
import type { Side } from "./schema-side.js";

const REFERENCE_KEYWORDS: ReadonlySet<string> = new Set(["$ref", "$dynamicRef", "$recursiveRef"]);

/**
 * What a call remembers between equality walks: the pairs of values (by the old one) a walk
 * found different, made when a walk first fails. The comparison asks about a subschema, then
 * about each of its subschemas: without this, every level would walk again down to the same
 * difference (a change deep in a schema would cost a walk per level above it).
 */
export interface EqualityMemory {
  unequal?: Map<object, unknown>;
  /**
   * The innermost pair of objects the last failed walk found different (a member's schema that
   * changed): the comparison asks about it next, one level down, and need not walk it again.
   */
  lastUnequal?: object;
  lastUnequalNext?: unknown;
}

/**
 * True when two subschemas certainly accept the same instances: equal as JSON (member order
 * aside) in the same dialect, with every reference inside resolving, on each side, to subschemas
 * that are again equal. The fast path of the comparison: an unchanged capability costs one walk.
 * `false` means "compare them", not "they differ". With `memory`, a pair found different once
 * is not walked again (see {@link EqualityMemory}).
 */
export function sameMeaning(old: Side, next: Side, memory?: EqualityMemory): boolean {
  return sameWithin(old, next, memory, undefined);
}

/** {@link sameMeaning}, with the references already checked (or being checked) on the way. */
function sameWithin(
  old: Side,
  next: Side,
  memory: EqualityMemory | undefined,
  followed: Set<string> | undefined,
): boolean {
  if (old.root.dialect !== next.root.dialect) return false;
  if (old.schema === next.schema && old.root.schema === next.root.schema) return true;
  const last = memory?.lastUnequal;
  if (last !== undefined && old.schema === last && next.schema === memory?.lastUnequalNext) return false;
  const unequal = memory?.unequal;
  if (unequal !== undefined && isObject(old.schema) && unequal.get(old.schema) === next.schema) return false;
  const start = found.refs.length;
  found.visited = 0;
  found.innermost = undefined;
  if (!equalJson(old.schema, next.schema, memory !== undefined)) {
    if (found.refs.length !== start) found.refs.length = start;
    if (memory !== undefined) {
      if (found.innermost !== undefined) {
        memory.lastUnequal = found.innermost;
        memory.lastUnequalNext = found.innermostNext;
        // Nothing of a payload is held past its call.
        found.innermost = found.innermostNext = undefined;
      }
      if (found.visited > WORTH_REMEMBERING) remember(memory, old.schema, next.schema);
    }
    return false;
  }
  if (found.refs.length === start) return true;
  // The references of this walk, taken out before the walks of their targets add theirs.
  const refs = found.refs.splice(start);
  const checked = followed ?? new Set<string>();
  for (const ref of refs) {
    // Equal text holds the same reference on both sides; each is checked once.
    if (checked.has(ref)) continue;
    checked.add(ref);
    const before = resolveRef(old.root, ref);
    const after = resolveRef(next.root, ref);
    if ("reason" in before || "reason" in after || !sameWithin(before.side, after.side, memory, checked)) return false;
  }
  return true;
}

/**
 * What the walks collect, kept between calls so that the walk of an unchanged schema (the
 * common case) allocates nothing: the values of reference keywords met (a call takes those
 * past its starting length), how many objects the current walk visited, and, from a failed walk
 * long enough to be worth remembering, the pairs of objects that held the first difference,
 * innermost first (taken at once by {@link remember}). Walks never interleave: JavaScript runs
 * one at a time, and a walk calls nothing that walks.
 */
const found = {
  refs: [] as string[],
  visited: 0,
  differing: [] as unknown[],
  innermost: undefined as object | undefined,
  innermostNext: undefined as unknown,
};

/**
 * A failed walk shorter than this (in objects visited) is walked again rather than remembered:
 * below it, walking costs less than keeping the pairs (most changes are near the top).
 */
const WORTH_REMEMBERING = 16;

/** Records a failed walk: the pair it was asked about and the pairs inside that held the difference. */
function remember(memory: EqualityMemory, old: unknown, next: unknown): void {
  memory.unequal ??= new Map();
  const { differing } = found;
  for (let i = 0; i < differing.length; i += 2) memory.unequal.set(differing[i] as object, differing[i + 1]);
  differing.length = 0;
  if (isObject(old)) memory.unequal.set(old, next);
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

/**
 * JSON equality (member order aside, `1` equal to `1.0` as JSON Schema says), collecting the
 * values of reference keywords met on the way in `found.refs`, and with `trace`, the objects
 * that hold the first difference in `found.differing`.
 *
 * Written for the walk of a whole unchanged capability, the common case: scalars are compared
 * in place rather than by a call each, and a member at the same place in both objects (as in two
 * copies of one document) is read without looking its name up in the other.
 */
function equalJson(a: unknown, b: unknown, trace: boolean): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  found.visited += 1;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const value: unknown = a[i];
      const other: unknown = b[i];
      if (typeof value === "object" && value !== null) {
        if (!equalJson(value, other, trace)) return differs(value, other, trace);
      } else if (value !== other) {
        return false;
      }
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const otherKeys = Object.keys(b);
  if (keys.length !== otherKeys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    // The same name at the same place is a member of `b`; only a name elsewhere is looked up.
    if (otherKeys[i] !== key && !Object.hasOwn(b, key)) return false;
    const value = (a as Record<string, unknown>)[key];
    const other = (b as Record<string, unknown>)[key];
    if (typeof value === "object" && value !== null) {
      if (!equalJson(value, other, trace)) return differs(value, other, trace);
    } else if (value !== other) {
      return false;
    } else if (typeof value === "string" && key.charCodeAt(0) === DOLLAR && REFERENCE_KEYWORDS.has(key)) {
      found.refs.push(value);
    }
  }
  return true;
}

/** `$`, which every reference keyword starts with: most string members are looked up no further. */
const DOLLAR = 36;

/**
 * Notes, while a failed walk unwinds, a pair of objects that holds the difference, when the walk
 * is long enough to be remembered (its count is final by then); always `false`.
 */
function differs(a: unknown, b: unknown, trace: boolean): false {
  if (trace && isObject(a)) {
    if (found.innermost === undefined) {
      found.innermost = a;
      found.innermostNext = b;
    }
    if (found.visited > WORTH_REMEMBERING) found.differing.push(a, b);
  }
  return false;
}

/** JSON equality (member order aside, `1` equal to `1.0` as JSON Schema says). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const start = found.refs.length;
  const equal = equalJson(a, b, false);
  if (found.refs.length !== start) found.refs.length = start;
  return equal;
}
