import { MAX_JSON_DEPTH } from "./limits.js";

/**
 * A cache key for a value that is plain JSON data: its JSON text, member order included (two
 * schemas that differ only in member order get two keys, and each its own entry). `undefined`
 * for anything that `JSON.stringify` would write as something else, so that two different values
 * can never share a key: `undefined`, a function or a symbol (dropped), a class instance, a `Date`
 * or a value with `toJSON` (replaced), `NaN` and the infinities (`null`), a hole in an array, a
 * cycle, or nesting past {@link MAX_JSON_DEPTH} (no caching; the rules refuse those anyway).
 *
 * Native `JSON.stringify` plus one read-only walk costs about half of a sorted canonical encoding
 * in JavaScript (BENCHMARKS.md, case 1), and the payloads that reach a LOM come from JSON text,
 * in the order they were written, whatever order that is.
 */
export function jsonKey(value: unknown): string | undefined {
  if (!isPlainJson(value, 0)) return undefined;
  return JSON.stringify(value);
}

/**
 * {@link jsonKey} of a value that `JSON.parse` made and nothing has touched since: plain JSON
 * data by construction, so the walk that proves it is skipped (about a third of the key's cost
 * on a LOM's discovery). `undefined` only for nesting deeper than `JSON.stringify` can write,
 * which the rules refuse anyway (E11).
 */
export function parsedJsonKey(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) {
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) if (!isPlainJson(list[i], depth + 1)) return false;
    return true;
  }
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === "function") return false;
  for (const key of Object.keys(record)) if (!isPlainJson(record[key], depth + 1)) return false;
  return true;
}
