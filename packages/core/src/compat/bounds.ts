// biome-ignore-all lint/style/useTemplate: texts on the hot path of a comparison are joined with `+` on purpose: a template converts each part to a string again, a call per part
import type { SchemaObject } from "../validation/schema-walk.js";
import { type Comparison, type Location, report } from "./comparison.js";
import type { Effect } from "./effect.js";
import type { DifferenceKind } from "./kinds.js";
import { keywordPointer, keywordValue, type Side } from "./schema-side.js";

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

const NUMERIC_SIDES = [
  { side: "lower", keywords: ["minimum", "exclusiveMinimum"] },
  { side: "upper", keywords: ["maximum", "exclusiveMaximum"] },
] as const;

const KIND_PREFIX: Readonly<Record<string, string>> = {
  minimum: "minimum",
  maximum: "maximum",
  exclusiveMinimum: "exclusive-minimum",
  exclusiveMaximum: "exclusive-maximum",
  minLength: "min-length",
  maxLength: "max-length",
  minItems: "min-items",
  maxItems: "max-items",
  minProperties: "min-properties",
  maxProperties: "max-properties",
};

type Change = "added" | "removed" | "increased" | "decreased";

/** Each bound keyword's kinds, written out once rather than joined for every difference. */
type BoundKinds = Readonly<Record<Change, DifferenceKind>>;

const BOUND_KINDS: Readonly<Record<string, BoundKinds>> = Object.fromEntries(
  Object.entries(KIND_PREFIX).map(([keyword, prefix]) => [
    keyword,
    {
      added: `${prefix}-added` as DifferenceKind,
      removed: `${prefix}-removed` as DifferenceKind,
      increased: `${prefix}-increased` as DifferenceKind,
      decreased: `${prefix}-decreased` as DifferenceKind,
    },
  ]),
);

/**
 * `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` and `multipleOf`. A side's two
 * keywords are read together as one effective bound, so that `minimum: 0` replaced by
 * `exclusiveMinimum: 0` tightens, and a bound made redundant by the other does not count.
 */
export function compareNumbers(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  for (const { side, keywords } of NUMERIC_SIDES) {
    const effect = boundEffect(side, effectiveBound(side, oldKeywords), effectiveBound(side, newKeywords));
    if (effect === "none") continue;
    for (const keyword of keywords) {
      const before = numberOf(oldKeywords, keyword);
      const after = numberOf(newKeywords, keyword);
      if (before === after) continue;
      report(c, {
        kind: boundKind(keyword, verb(before, after)),
        effect,
        old: keywordPointer(old, keyword),
        next: keywordPointer(next, keyword),
        at,
        what: `${keyword} ${before ?? "(none)"} became ${after ?? "(none)"}`,
      });
    }
  }
  const before = numberOf(oldKeywords, "multipleOf");
  const after = numberOf(newKeywords, "multipleOf");
  if (before === after) return;
  report(c, {
    kind:
      before === undefined ? "multiple-of-added" : after === undefined ? "multiple-of-removed" : "multiple-of-changed",
    // A changed multipleOf is not compared: 0.1 and 0.3 are not exact in binary floating point (C3).
    effect: before === undefined ? "narrows" : after === undefined ? "widens" : "unknown",
    old: keywordPointer(old, "multipleOf"),
    next: keywordPointer(next, "multipleOf"),
    at,
    what: `multipleOf ${before ?? "(none)"} became ${after ?? "(none)"}`,
  });
}

function effectiveBound(side: "lower" | "upper", keywords: SchemaObject): Bound | undefined {
  const inclusive = numberOf(keywords, side === "lower" ? "minimum" : "maximum");
  const exclusive = numberOf(keywords, side === "lower" ? "exclusiveMinimum" : "exclusiveMaximum");
  if (inclusive === undefined) return exclusive === undefined ? undefined : { value: exclusive, exclusive: true };
  if (exclusive === undefined) return { value: inclusive, exclusive: false };
  const exclusiveWins = side === "lower" ? exclusive >= inclusive : exclusive <= inclusive;
  return exclusiveWins ? { value: exclusive, exclusive: true } : { value: inclusive, exclusive: false };
}

function boundEffect(side: "lower" | "upper", before: Bound | undefined, after: Bound | undefined): Effect {
  if (before === undefined) return after === undefined ? "none" : "narrows";
  if (after === undefined) return "widens";
  const tighter = side === "lower" ? after.value > before.value : after.value < before.value;
  const looser = side === "lower" ? after.value < before.value : after.value > before.value;
  if (tighter) return "narrows";
  if (looser) return "widens";
  if (after.exclusive === before.exclusive) return "none";
  return after.exclusive ? "narrows" : "widens";
}

/**
 * A count keyword (`minLength`, `maxItems`, `minProperties`, ...): a lower count raised or an
 * upper count lowered narrows. A missing `min*` is 0 and a missing `max*` unbounded, so
 * `minLength: 0` added is no difference.
 */
export function compareCount(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
  keyword: "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" | "maxProperties",
): void {
  const before = numberOf(oldKeywords, keyword);
  const after = numberOf(newKeywords, keyword);
  if (before === after) return;
  const isMin = keyword.startsWith("min");
  const missing = isMin ? 0 : Number.POSITIVE_INFINITY;
  const was = before ?? missing;
  const is = after ?? missing;
  if (was === is) return;
  report(c, {
    kind: boundKind(keyword, verb(before, after)),
    effect: (isMin ? is > was : is < was) ? "narrows" : "widens",
    // A number read is the keyword's own member: its pointer needs no lookup. The keyword is
    // joined to its texts first: where it is known (compareCount inlined with it), that join is
    // done once, when the code is compiled.
    old: before === undefined ? keywordPointer(old, keyword) : old.pointer + ("/" + keyword),
    next: after === undefined ? keywordPointer(next, keyword) : next.pointer + ("/" + keyword),
    at,
    // `${keyword} ${before ?? "(none)"} became ${after ?? "(none)"}`, joined with `+`: a template
    // converts each part again, a call each.
    what:
      (before === undefined ? keyword + " (none)" : keyword + " " + String(before)) +
      (after === undefined ? " became (none)" : " became " + String(after)),
  });
}

/** `uniqueItems`: required uniqueness narrows, dropping it widens. */
export function compareUniqueItems(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  const before = keywordValue(oldKeywords, "uniqueItems") === true;
  const after = keywordValue(newKeywords, "uniqueItems") === true;
  if (before === after) return;
  report(c, {
    kind: after ? "unique-items-added" : "unique-items-removed",
    effect: after ? "narrows" : "widens",
    old: keywordPointer(old, "uniqueItems"),
    next: keywordPointer(next, "uniqueItems"),
    at,
    what: after ? "items must now be unique" : "items may now repeat",
  });
}

/**
 * A keyword whose values are not compared with each other (`pattern`, `format`): added narrows,
 * dropped widens, changed is undecidable (C3: whether one regular language holds another, or
 * one format's strings another's, is not decided here).
 */
export function compareOpaque(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
  keyword: "pattern" | "format",
): void {
  const before = keywordValue(oldKeywords, keyword);
  const after = keywordValue(newKeywords, keyword);
  if (typeof before !== "string" && typeof after !== "string") return;
  if (before === after) return;
  const state = typeof before !== "string" ? "added" : typeof after !== "string" ? "removed" : "changed";
  report(c, {
    kind: `${keyword}-${state}`,
    effect: state === "added" ? "narrows" : state === "removed" ? "widens" : "unknown",
    old: keywordPointer(old, keyword),
    next: keywordPointer(next, keyword),
    at,
    what: `${keyword} ${JSON.stringify(before) ?? "(none)"} became ${JSON.stringify(after) ?? "(none)"}`,
  });
}

function numberOf(keywords: SchemaObject, keyword: string): number | undefined {
  const value = keywords[keyword];
  // Most bounds are absent: only a number read is checked to be the keyword's own member (E12).
  return typeof value === "number" && Number.isFinite(value) && Object.hasOwn(keywords, keyword) ? value : undefined;
}

/** The kind of a bound keyword's change, read by a named member (not a lookup by a name that varies). */
function boundKind(keyword: string, change: Change): DifferenceKind {
  const kinds = BOUND_KINDS[keyword] as BoundKinds;
  switch (change) {
    case "added":
      return kinds.added;
    case "removed":
      return kinds.removed;
    case "increased":
      return kinds.increased;
    case "decreased":
      return kinds.decreased;
  }
}

function verb(before: number | undefined, after: number | undefined): Change {
  if (before === undefined) return "added";
  if (after === undefined) return "removed";
  return after > before ? "increased" : "decreased";
}
