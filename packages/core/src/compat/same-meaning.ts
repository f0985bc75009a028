import { resolveRef } from "./refs.js";
import type { Side } from "./schema-side.js";

const REFERENCE_KEYWORDS: ReadonlySet<string> = new Set(["$ref", "$dynamicRef", "$recursiveRef"]);

/**
 * True when two subschemas certainly accept the same instances: equal as JSON (member order
 * aside) in the same dialect, with every reference inside resolving, on each side, to subschemas
 * that are again equal. The fast path of the comparison: an unchanged capability costs one walk.
 * `false` means "compare them", not "they differ".
 */
export function sameMeaning(old: Side, next: Side, followed: Set<string> = new Set()): boolean {
  if (old.root.dialect !== next.root.dialect) return false;
  if (old.schema === next.schema && old.root.schema === next.root.schema) return true;
  const refs: string[] = [];
  if (!jsonEqual(old.schema, next.schema, refs)) return false;
  for (const ref of refs) {
    // Equal text holds the same reference on both sides; each is checked once.
    if (followed.has(ref)) continue;
    followed.add(ref);
    const before = resolveRef(old.root, ref);
    const after = resolveRef(next.root, ref);
    if ("reason" in before || "reason" in after || !sameMeaning(before.side, after.side, followed)) return false;
  }
  return true;
}

/**
 * JSON equality (member order aside, `1` equal to `1.0` as JSON Schema says), collecting the
 * values of reference keywords met on the way.
 */
export function jsonEqual(a: unknown, b: unknown, refs?: string[]): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i], refs)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false;
    const value = (a as Record<string, unknown>)[key];
    if (!jsonEqual(value, (b as Record<string, unknown>)[key], refs)) return false;
    if (refs && typeof value === "string" && REFERENCE_KEYWORDS.has(key)) refs.push(value);
  }
  return true;
}
