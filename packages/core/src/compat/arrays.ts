import type { SchemaObject } from "../validation/schema-walk.js";
import { compareCount, compareUniqueItems } from "./bounds.js";
import { anyChild, type Comparison, item, type Location, report } from "./comparison.js";
import { jsonEqual, sameMeaning } from "./same-meaning.js";
import { absent, keywordPointer, keywordValue, type Side, subschema } from "./schema-side.js";

/** An array schema read the same way in both dialects: the schemas of the first items, and of the rest. */
interface ItemSchemas {
  readonly prefix: readonly Side[];
  readonly rest: Side;
}

/** Draft 2020-12 `prefixItems` + `items`; draft-07 `items` as a list + `additionalItems`, or `items` alone. */
function itemSchemasOf(side: Side, keywords: SchemaObject): ItemSchemas {
  const listed = (keyword: string) => {
    const list = keywordValue(keywords, keyword);
    if (!Array.isArray(list)) return undefined;
    return list.map((_, index) => subschema(side, keyword, index) ?? absent(side, `${keyword}/${index}`));
  };
  if (side.root.dialect === "2020-12") {
    return { prefix: listed("prefixItems") ?? [], rest: subschema(side, "items") ?? absent(side, "items") };
  }
  const tuple = listed("items");
  if (tuple) return { prefix: tuple, rest: subschema(side, "additionalItems") ?? absent(side, "additionalItems") };
  return { prefix: [], rest: subschema(side, "items") ?? absent(side, "items") };
}

/**
 * Arrays: each position is compared with the schema that applies to it on each side (a
 * `prefixItems` entry or the rest), then the rest with the rest; counts, `uniqueItems`, and
 * `contains` (added narrows, dropped widens, changed undecidable).
 */
export function compareArrays(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  const before = itemSchemasOf(old, oldKeywords);
  const after = itemSchemasOf(next, newKeywords);
  const positions = Math.max(before.prefix.length, after.prefix.length);
  for (let index = 0; index < positions; index++) {
    c.compare(before.prefix[index] ?? before.rest, after.prefix[index] ?? after.rest, item(at, index));
  }
  c.compare(before.rest, after.rest, anyChild(at));
  compareCount(c, old, next, oldKeywords, newKeywords, at, "minItems");
  compareCount(c, old, next, oldKeywords, newKeywords, at, "maxItems");
  compareUniqueItems(c, old, next, oldKeywords, newKeywords, at);
  compareContains(c, old, next, oldKeywords, newKeywords, at);
}

function compareContains(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  const before = subschema(old, "contains");
  const after = subschema(next, "contains");
  if (!before && !after) return;
  const counts = (side: Side, keywords: SchemaObject) =>
    side.root.dialect === "2020-12"
      ? [keywordValue(keywords, "minContains"), keywordValue(keywords, "maxContains")]
      : [];
  let kind: "contains-added" | "contains-removed" | "contains-changed";
  if (!before) kind = "contains-added";
  else if (!after) kind = "contains-removed";
  else if (!sameMeaning(before, after, c.call) || !jsonEqual(counts(old, oldKeywords), counts(next, newKeywords)))
    kind = "contains-changed";
  else return;
  report(c, {
    kind,
    effect: kind === "contains-added" ? "narrows" : kind === "contains-removed" ? "widens" : "unknown",
    old: before ?? keywordPointer(old, "contains"),
    next: after ?? keywordPointer(next, "contains"),
    at,
    what:
      kind === "contains-added"
        ? "the array must now contain a matching item"
        : kind === "contains-removed"
          ? "the array no longer needs a matching item"
          : "contains, minContains or maxContains changed",
  });
}
