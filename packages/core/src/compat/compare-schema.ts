import type { SchemaObject } from "../validation/schema-walk.js";
import { compareApplicators } from "./applicators.js";
import { compareArrays } from "./arrays.js";
import { compareCount, compareNumbers, compareOpaque } from "./bounds.js";
import { type CallState, type Comparison, type Location, newComparison, proceed, ROOT, report } from "./comparison.js";
import type { Direction } from "./effect.js";
import { compareObjects } from "./objects.js";
import { type Followed, follow } from "./refs.js";
import { sameMeaning } from "./same-meaning.js";
import { keywordsOf, type RootSide, type Side } from "./schema-side.js";
import type { CompatibilityDifference } from "./types.js";
import { compareType, compareValues } from "./types-and-values.js";
import { compareUnevaluated, compareUnmodelled } from "./unmodelled.js";
import { GROUPS, groupsOf, groupsOfPair, KEYWORDS, KIND_BIT, kindsIn, pairGroups } from "./vocabulary.js";

/**
 * Compares one capability schema across versions in one direction and appends what differs
 * (C1): for an `input`, what refuses an instance the old one accepted breaks; for an `output`,
 * what allows an instance the old one did not.
 */
export function compareSchema(
  old: RootSide,
  next: RootSide,
  direction: Direction,
  action: string,
  call: CallState,
  out: CompatibilityDifference[],
): void {
  // The common case, an unchanged schema, costs one walk and nothing else.
  if (sameMeaning(old, next, call)) return;
  compareSubschemas(newComparison({ direction, action, out, call }, compareSubschemas), old, next, ROOT);
}

function pairKey(old: Side, next: Side): string {
  return `${old.pointer}\u0000${old.variant ?? ""}\u0000${next.pointer}\u0000${next.variant ?? ""}`;
}

/**
 * Two subschemas: references followed, then each pair compared once. A pair met again while it
 * is being compared is a `$ref` cycle: deeper in the instance it is a recursive structure, and
 * assuming the pair holds is sound (instances are finite, so every counterexample would show at
 * a shallower level, where the comparison looks); at the same depth it is not followed (C3).
 */
function compareSubschemas(c: Comparison, old: Side, next: Side, at: Location): void {
  if (old.schema === next.schema && typeof old.schema === "boolean") return;
  if (!proceed(c, old, next, at)) return;
  // Most subschemas of a new version are unchanged: one walk settles them (the root's was
  // walked by compareSchema already).
  if (at !== ROOT && sameMeaning(old, next, c.call)) return;
  const oldKeywords = keywordsOf(old);
  const newKeywords = keywordsOf(next);
  let oldGroups: number;
  let newGroups: number;
  if (oldKeywords && newKeywords) {
    oldGroups = groupsOfPair(oldKeywords, old.root.dialect, newKeywords, next.root.dialect);
    newGroups = pairGroups.next;
  } else {
    oldGroups = groupsOfSide(old);
    newGroups = groupsOfSide(next);
  }
  if (((oldGroups | newGroups) & GROUPS.references) === 0) {
    // Nothing to follow on either side (the common case): the pair cannot come back.
    c.nesting += 1;
    try {
      compareResolved(c, old, next, oldKeywords, newKeywords, oldGroups, newGroups, at);
    } finally {
      c.nesting -= 1;
    }
    return;
  }
  const before = follow(old);
  const after = follow(next);
  if ("reason" in before || "reason" in after) {
    report(c, {
      kind: "ref-not-followed",
      effect: "unknown",
      old,
      next,
      at,
      what:
        ("reason" in before ? before.reason : "reason" in after ? after.reason : "") || "a reference was not followed",
    });
    return;
  }
  // Only a reference can lead back to a pair already under way (subschemas nest as a tree
  // otherwise): pairs are remembered where one was followed.
  if (before.side === old && after.side === next) {
    c.nesting += 1;
    try {
      compareFollowed(c, before, after, at, false);
    } finally {
      c.nesting -= 1;
    }
    return;
  }
  const key = pairKey(before.side, after.side);
  c.pairs ??= { open: new Map(), done: new Set() };
  const { open, done } = c.pairs;
  if (done.has(key)) return;
  const entered = open.get(key);
  if (entered !== undefined) {
    if (at.depth > entered) return;
    report(c, {
      kind: "ref-cycle-not-followed",
      effect: "unknown",
      old: before.side,
      next: after.side,
      at,
      what: "a $ref cycle comes back here without entering a member or an item",
    });
    return;
  }
  open.set(key, at.depth);
  c.nesting += 1;
  try {
    compareFollowed(c, before, after, at, true);
  } finally {
    c.nesting -= 1;
    open.delete(key);
    done.add(key);
  }
}

type Resolved = Exclude<Followed, { reason: string }>;

function compareFollowed(c: Comparison, before: Resolved, after: Resolved, at: Location, followed: boolean): void {
  const old = before.side;
  const next = after.side;
  const oldGroups = groupsOfSide(old);
  const newGroups = groupsOfSide(next);
  // Two subschemas that accept everything are the same whatever their dialects (this also ends
  // the comparison of two absent keywords across dialects); targets of references may be equal.
  if (oldGroups === 0 && newGroups === 0) return;
  if (followed && sameMeaning(old, next, c.call)) return;
  if (before.target || after.target) {
    // Draft 2020-12 `$ref` beside other constraints: both apply. Compared part by part when both
    // sides have that shape; a graph reshaped around it is not followed (C3).
    if (before.target && after.target) {
      c.compare(before.target, after.target, at);
      c.compare(before.rest, after.rest, at);
      return;
    }
    report(c, {
      kind: "ref-not-followed",
      effect: "unknown",
      old,
      next,
      at,
      what: "a $ref beside other keywords on one side only: the reference graph was reshaped",
    });
    return;
  }
  compareResolved(c, old, next, keywordsOf(old), keywordsOf(next), oldGroups, newGroups, at);
}

/**
 * The groups of a subschema's keywords (see {@link groupsOf}): `0` when it accepts everything
 * (`true`, or annotations only), {@link REFUSES_EVERYTHING} for `false`.
 */
function groupsOfSide(side: Side): number {
  const keywords = keywordsOf(side);
  return keywords ? groupsOf(keywords, side.root.dialect) : REFUSES_EVERYTHING;
}

/** The groups of `false`: none of {@link GROUPS}, yet not `0` (which accepts everything). */
const REFUSES_EVERYTHING = 1 << 30;

/** Two subschemas with nothing left to follow. */
function compareResolved(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject | undefined,
  newKeywords: SchemaObject | undefined,
  oldGroups: number,
  newGroups: number,
  at: Location,
) {
  // Two subschemas that accept everything are the same whatever their dialects (this also ends
  // the comparison of two absent keywords across dialects).
  if (oldGroups === 0 && newGroups === 0) return;
  if (!oldKeywords && !newKeywords) return;
  if (!newKeywords) {
    report(c, {
      kind: "schema-now-refuses-everything",
      effect: "narrows",
      old,
      next,
      at,
      what: "the schema became false",
    });
    return;
  }
  if (!oldKeywords) {
    report(c, {
      kind: "schema-no-longer-refuses-everything",
      effect: "widens",
      old,
      next,
      at,
      what: "the schema was false",
    });
    return;
  }
  compareKeywords(c, old, next, oldKeywords, newKeywords, oldGroups, newGroups, at);
}

/**
 * Two subschemas with keywords, keyword by keyword: only the {@link KEYWORDS} either side holds
 * (from their {@link groupsOf}).
 */
function compareKeywords(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  oldGroups: number,
  newGroups: number,
  at: Location,
): void {
  const groups = oldGroups | newGroups;
  const oldKinds = kindsIn(oldGroups);
  const newKinds = kindsIn(newGroups);
  // Most pairs admit the same kinds: no call to find that `type` did not change what it admits.
  if (groups & KEYWORDS.type && oldKinds !== newKinds) {
    compareType(c, old, next, oldKeywords, newKeywords, oldKinds, newKinds, at);
  }
  if (groups & GROUPS.values) compareValues(c, old, next, oldKeywords, newKeywords, at);
  // The keywords about one kind of value are compared only where both sides admit it: where one
  // side does not, the `type` difference above already reports that kind lost or gained.
  const both = oldKinds & newKinds;
  if (groups & GROUPS.numbers && both & (KIND_BIT.integer | KIND_BIT.fraction)) {
    compareNumbers(c, old, next, oldKeywords, newKeywords, at);
  }
  if (groups & GROUPS.strings && both & KIND_BIT.string) {
    if (groups & KEYWORDS.minLength) compareCount(c, old, next, oldKeywords, newKeywords, at, "minLength");
    if (groups & KEYWORDS.maxLength) compareCount(c, old, next, oldKeywords, newKeywords, at, "maxLength");
    if (groups & KEYWORDS.pattern) compareOpaque(c, old, next, oldKeywords, newKeywords, at, "pattern");
    if (groups & KEYWORDS.format) compareOpaque(c, old, next, oldKeywords, newKeywords, at, "format");
  }
  if (groups & GROUPS.arrays && both & KIND_BIT.array) compareArrays(c, old, next, oldKeywords, newKeywords, at);
  if (groups & GROUPS.objects && both & KIND_BIT.object) {
    compareObjects(c, old, next, oldKeywords, newKeywords, oldGroups, newGroups, at);
  }
  if (groups & GROUPS.applicators) compareApplicators(c, old, next, oldKeywords, newKeywords, at);
  if (groups & GROUPS.unmodelled) compareUnmodelled(c, old, next, oldKeywords, newKeywords, at);
  if (groups & GROUPS.unevaluated) compareUnevaluated(c, old, next, oldKeywords, newKeywords, at);
}
