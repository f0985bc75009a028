import { canonicalJson } from "../canonical-json.js";
import type { SchemaObject } from "../validation/schema-walk.js";
import { type Comparison, type Location, report } from "./comparison.js";
import type { Effect } from "./effect.js";
import { jsonEqual } from "./same-meaning.js";
import { keywordPointer, keywordValue, type Side } from "./schema-side.js";
import { admits, type Kinds, VALUE_KINDS, type ValueKind } from "./vocabulary.js";

/** `type`: value kinds lost narrow, kinds gained widen (`integer` is a part of `number`). */
export function compareType(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  before: Kinds,
  after: Kinds,
  at: Location,
): void {
  if (before === after) return;
  const lost = VALUE_KINDS.filter((kind) => admits(before, kind) && !admits(after, kind));
  const gained = VALUE_KINDS.filter((kind) => !admits(before, kind) && admits(after, kind));
  if (lost.length === 0 && gained.length === 0) return;
  const change = `type ${describeType(oldKeywords)} became ${describeType(newKeywords)}`;
  const parts = [
    ...(lost.length > 0 ? [`${describeKinds(lost)} no longer valid`] : []),
    ...(gained.length > 0 ? [`${describeKinds(gained)} now valid`] : []),
  ];
  report(c, {
    kind: lost.length > 0 && gained.length > 0 ? "type-changed" : lost.length > 0 ? "type-narrowed" : "type-widened",
    effect: lost.length > 0 && gained.length > 0 ? "incomparable" : lost.length > 0 ? "narrows" : "widens",
    old: keywordPointer(old, "type"),
    next: keywordPointer(next, "type"),
    at,
    what: `${change} (${parts.join(", ")})`,
  });
}

function describeType(keywords: SchemaObject): string {
  const type = keywordValue(keywords, "type");
  return type === undefined ? "(any)" : JSON.stringify(type);
}

function describeKinds(kinds: readonly ValueKind[]): string {
  const names = kinds.filter((kind) => kind !== "integer" && kind !== "fraction") as string[];
  if (kinds.includes("integer") && kinds.includes("fraction")) names.push("numbers");
  else if (kinds.includes("integer")) names.push("integers");
  else if (kinds.includes("fraction")) names.push("numbers that are not integers");
  return names.join(", ");
}

/** The values an `enum` and a `const` leave (both apply when both are there), keyed by their canonical JSON. */
export interface ValueSet {
  readonly keyword: "enum" | "const";
  readonly values: ReadonlyMap<string, unknown>;
}

/** The values a subschema's `enum`/`const` allow, or `undefined` when it has neither (any value). */
export function valueSetOf(keywords: SchemaObject): ValueSet | undefined {
  const list = keywordValue(keywords, "enum");
  const hasConst = Object.hasOwn(keywords, "const");
  if (!Array.isArray(list) && !hasConst) return undefined;
  const constant = keywordValue(keywords, "const");
  const allowed = Array.isArray(list)
    ? hasConst
      ? list.filter((value) => jsonEqual(value, constant))
      : list
    : [constant];
  const values = new Map<string, unknown>();
  for (const value of allowed) values.set(canonicalJson(value), value);
  return { keyword: Array.isArray(list) ? "enum" : "const", values };
}

/** `enum` and `const`: values removed narrow, values added widen, a constraint dropped widens. */
export function compareValues(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  const before = valueSetOf(oldKeywords);
  const after = valueSetOf(newKeywords);
  if (before === undefined && after === undefined) return;
  const finding = (kind: Parameters<typeof report>[1]["kind"], effect: Effect, keyword: string, what: string) =>
    report(c, { kind, effect, old: keywordPointer(old, keyword), next: keywordPointer(next, keyword), at, what });
  if (before === undefined && after !== undefined) {
    finding(
      `${after.keyword}-added`,
      "narrows",
      after.keyword,
      `now only ${listValues([...after.values.values()])} valid`,
    );
    return;
  }
  if (after === undefined && before !== undefined) {
    finding(
      `${before.keyword}-removed`,
      "widens",
      before.keyword,
      `${before.keyword} dropped: any value of the other keywords is valid`,
    );
    return;
  }
  if (before === undefined || after === undefined) return;
  const removed = [...before.values].filter(([key]) => !after.values.has(key)).map(([, value]) => value);
  const added = [...after.values].filter(([key]) => !before.values.has(key)).map(([, value]) => value);
  if (removed.length === 0 && added.length === 0) return;
  if (before.keyword === "const" && after.keyword === "const") {
    finding("const-changed", "incomparable", "const", `const ${listValues(removed)} became ${listValues(added)}`);
    return;
  }
  if (removed.length > 0)
    finding("enum-value-removed", "narrows", before.keyword, `${listValues(removed)} no longer valid`);
  if (added.length > 0) finding("enum-value-added", "widens", after.keyword, `${listValues(added)} now valid`);
}

const LISTED_VALUES = 5;
const VALUE_TEXT = 60;

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, LISTED_VALUES).map((value) => {
    const text = JSON.stringify(value) ?? "null";
    return text.length > VALUE_TEXT ? `${text.slice(0, VALUE_TEXT - 1)}…` : text;
  });
  return values.length > LISTED_VALUES
    ? `${shown.join(", ")} and ${values.length - LISTED_VALUES} more`
    : shown.join(", ");
}
