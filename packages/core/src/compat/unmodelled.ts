import { child } from "../validation/pointer.js";
import type { SchemaObject } from "../validation/schema-walk.js";
import { type Comparison, type Location, report } from "./comparison.js";
import { sameMeaning } from "./same-meaning.js";
import type { Side } from "./schema-side.js";
import { isAnnotation, isModelled } from "./vocabulary.js";

const UNEVALUATED = ["unevaluatedProperties", "unevaluatedItems"];
const DEPENDENT_SCHEMAS = new Set(["dependentSchemas", "dependencies"]);

/**
 * Every keyword the comparison does not decide on (C3): unknown keywords, `dependentSchemas`,
 * draft-07 `dependencies`, `$dynamicRef`, `contentSchema`, a keyword one dialect reads and the
 * other ignores. Equal on both sides (references included) is no difference; anything else is
 * undecidable, never compatible.
 */
export function compareUnmodelled(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  for (const keyword of Object.keys(oldKeywords)) compareKeyword(c, old, next, oldKeywords, newKeywords, at, keyword);
  for (const keyword of Object.keys(newKeywords)) {
    if (!Object.hasOwn(oldKeywords, keyword)) compareKeyword(c, old, next, oldKeywords, newKeywords, at, keyword);
  }
}

function compareKeyword(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
  keyword: string,
): void {
  if (isAnnotation(keyword) || UNEVALUATED.includes(keyword)) return;
  const modelledBefore = isModelled(keyword, old.root.dialect);
  const modelledAfter = isModelled(keyword, next.root.dialect);
  const inBefore = Object.hasOwn(oldKeywords, keyword);
  const inAfter = Object.hasOwn(newKeywords, keyword);
  // Where each occurrence is read by the comparison, the keyword's own module compared it.
  if ((!inBefore || modelledBefore) && (!inAfter || modelledAfter)) return;
  if (
    modelledBefore === modelledAfter &&
    inBefore &&
    inAfter &&
    sameMeaning(
      { schema: oldKeywords[keyword], pointer: child(old.pointer, keyword), root: old.root },
      { schema: newKeywords[keyword], pointer: child(next.pointer, keyword), root: next.root },
      c.call,
    )
  ) {
    return;
  }
  const state = !inBefore ? "added" : !inAfter ? "removed" : "changed";
  report(c, {
    kind: DEPENDENT_SCHEMAS.has(keyword) ? "dependent-schemas-changed" : "keyword-changed",
    effect: "unknown",
    old: inBefore ? child(old.pointer, keyword) : old.pointer,
    next: inAfter ? child(next.pointer, keyword) : next.pointer,
    at,
    what:
      modelledBefore === modelledAfter
        ? `${JSON.stringify(keyword)} ${state}: not compared`
        : `${JSON.stringify(keyword)} is read by ${modelledBefore ? old.root.dialect : next.root.dialect} only, and the versions use different dialects`,
  });
}

/**
 * What counts as evaluated for `unevaluatedProperties`/`unevaluatedItems` depends on every
 * applicator around it, so a subschema that holds one of them and changed at all is undecidable.
 */
export function compareUnevaluated(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  const keyword = UNEVALUATED.find((k) => Object.hasOwn(oldKeywords, k) || Object.hasOwn(newKeywords, k));
  if (keyword === undefined) return;
  report(c, {
    kind: "unevaluated-changed",
    effect: "unknown",
    old: Object.hasOwn(oldKeywords, keyword) ? child(old.pointer, keyword) : old.pointer,
    next: Object.hasOwn(newKeywords, keyword) ? child(next.pointer, keyword) : next.pointer,
    at,
    what: `a subschema with ${keyword} changed: what it counts as evaluated is not compared`,
  });
}
