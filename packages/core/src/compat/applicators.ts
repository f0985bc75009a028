import type { SchemaObject } from "../validation/schema-walk.js";
import { type Comparison, holds, type Location, report } from "./comparison.js";
import { follow } from "./refs.js";
import { sameMeaning } from "./same-meaning.js";
import { keywordPointer, keywordsOf, keywordValue, type Side, subschema } from "./schema-side.js";
import { valueSetOf } from "./types-and-values.js";
import { acceptsEverything, admits, disjointKinds, kindOfValue, kindsOf, onlyObjects } from "./vocabulary.js";

/** The branches of `allOf`/`anyOf`/`oneOf`, or `undefined` when the keyword is not there. */
function branchesOf(side: Side, keyword: "allOf" | "anyOf" | "oneOf"): Side[] | undefined {
  const keywords = keywordsOf(side);
  const list = keywords ? keywordValue(keywords, keyword) : undefined;
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((_, index) => subschema(side, keyword, index) ?? []);
}

/**
 * Branches matched across versions: equal ones first (wherever they moved), then the others in
 * order; what is left over was added or removed. Any pairing is sound, since a union or an
 * intersection of branches each compared on its own is compared as a whole; the order only
 * decides how readable the differences are.
 */
function matchBranches(c: Comparison, before: readonly Side[], after: readonly Side[]) {
  const taken = new Set<number>();
  const unmatched: Side[] = [];
  for (const branch of before) {
    const index = after.findIndex((candidate, i) => !taken.has(i) && sameMeaning(branch, candidate, c.call));
    if (index === -1) unmatched.push(branch);
    else taken.add(index);
  }
  const rest = after.filter((_, i) => !taken.has(i));
  const paired = Math.min(unmatched.length, rest.length);
  return {
    pairs: unmatched.slice(0, paired).map((branch, i) => [branch, rest[i] as Side] as const),
    removed: unmatched.slice(paired),
    added: rest.slice(paired),
  };
}

/** `allOf`, `anyOf`, `oneOf`, `not` and `if`/`then`/`else`. */
export function compareApplicators(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  const either = (keyword: string) => Object.hasOwn(oldKeywords, keyword) || Object.hasOwn(newKeywords, keyword);
  if (either("allOf")) compareAllOf(c, old, next, at);
  if (either("anyOf")) compareAnyOf(c, old, next, at, "anyOf");
  if (either("oneOf")) compareOneOf(c, old, next, at);
  if (either("not")) compareNot(c, old, next, at);
  if (either("if")) compareConditional(c, old, next, at);
}

/**
 * `allOf` is an intersection: a branch added narrows (unless, for an input, the old schema
 * already lies within it), a branch removed widens (unless, for an output, the new schema lies
 * within it), matched branches are compared.
 */
function compareAllOf(c: Comparison, old: Side, next: Side, at: Location): void {
  const before = branchesOf(old, "allOf") ?? [];
  const after = branchesOf(next, "allOf") ?? [];
  if (before.length === 0 && after.length === 0) return;
  const { pairs, removed, added } = matchBranches(c, before, after);
  for (const [was, is] of pairs) c.compare(was, is, at);
  for (const branch of added) {
    const harmless = acceptsEverything(branch.schema) || (c.direction === "input" && holds(c, old, branch, at));
    report(c, {
      kind: "all-of-branch-added",
      effect: harmless ? "none" : "narrows",
      old: keywordPointer(old, "allOf"),
      next: branch,
      at,
      what: `allOf branch added${harmless ? " (everything the old schema accepted satisfies it)" : ""}`,
    });
  }
  for (const branch of removed) {
    const harmless = acceptsEverything(branch.schema) || (c.direction === "output" && holds(c, branch, next, at));
    report(c, {
      kind: "all-of-branch-removed",
      effect: harmless ? "none" : "widens",
      old: branch,
      next: keywordPointer(next, "allOf"),
      at,
      what: `allOf branch removed${harmless ? " (everything the new schema accepts satisfied it)" : ""}`,
    });
  }
}

/**
 * `anyOf` (and `oneOf` whose branches are provably disjoint, which is the same union): a branch
 * added widens, removed narrows, matched branches are compared. Introduced or dropped as a
 * whole, it is one more condition (narrows) or one fewer (widens), unless one branch holds the
 * whole old schema (wrapping an input: not breaking) or the whole new one (unwrapping an output).
 */
function compareAnyOf(
  c: Comparison,
  old: Side,
  next: Side,
  at: Location,
  keyword: "anyOf" | "oneOf",
  before = branchesOf(old, keyword),
  after = branchesOf(next, keyword),
): void {
  const prefix = keyword === "anyOf" ? "any-of" : "one-of";
  if (before === undefined && after === undefined) return;
  if (before === undefined || after === undefined) {
    const added = before === undefined;
    const harmless = added
      ? c.direction === "input" && (after ?? []).some((branch) => holds(c, old, branch, at))
      : c.direction === "output" && (before ?? []).some((branch) => holds(c, branch, next, at));
    report(c, {
      kind: `${prefix}-${added ? "added" : "removed"}`,
      effect: harmless ? "none" : added ? "narrows" : "widens",
      old: keywordPointer(old, keyword),
      next: keywordPointer(next, keyword),
      at,
      what: `${keyword} ${added ? "added" : "removed"}${harmless ? (added ? " (one branch accepts everything the old schema did)" : " (one old branch accepted everything the new schema does)") : ""}`,
    });
    return;
  }
  const { pairs, removed, added } = matchBranches(c, before, after);
  for (const [was, is] of pairs) c.compare(was, is, at);
  for (const branch of added) {
    const harmless = c.direction === "output" && before.some((was) => holds(c, was, branch, at));
    report(c, {
      kind: `${prefix}-branch-added`,
      effect: harmless ? "none" : "widens",
      old: keywordPointer(old, keyword),
      next: branch,
      at,
      what: `${keyword} branch added${harmless ? " (an old branch already accepted all it does)" : ""}`,
    });
  }
  for (const branch of removed) {
    const harmless = c.direction === "input" && after.some((is) => holds(c, branch, is, at));
    report(c, {
      kind: `${prefix}-branch-removed`,
      effect: harmless ? "none" : "narrows",
      old: branch,
      next: keywordPointer(next, keyword),
      at,
      what: `${keyword} branch removed${harmless ? " (a remaining branch accepts all it did)" : ""}`,
    });
  }
}

/**
 * `oneOf` refuses an instance that matches two branches, so a branch added can refuse what was
 * valid. Only when every branch on both sides is provably disjoint from the others (different
 * types, different values, or a required member with different values: a discriminator) is it
 * compared as a union; otherwise any change is undecidable (C3).
 */
function compareOneOf(c: Comparison, old: Side, next: Side, at: Location): void {
  const before = branchesOf(old, "oneOf");
  const after = branchesOf(next, "oneOf");
  if (before === undefined && after === undefined) return;
  const disjoint =
    (before === undefined || pairwiseDisjoint(before)) && (after === undefined || pairwiseDisjoint(after));
  if (disjoint) {
    compareAnyOf(c, old, next, at, "oneOf", before, after);
    return;
  }
  if (before === undefined || after === undefined) {
    // One condition more or fewer: narrows or widens whatever the branches are.
    report(c, {
      kind: before === undefined ? "one-of-added" : "one-of-removed",
      effect: before === undefined ? "narrows" : "widens",
      old: keywordPointer(old, "oneOf"),
      next: keywordPointer(next, "oneOf"),
      at,
      what: `oneOf ${before === undefined ? "added" : "removed"}`,
    });
    return;
  }
  const unchanged =
    before.length === after.length && before.every((was, i) => sameMeaning(was, after[i] as Side, c.call));
  if (unchanged) return;
  report(c, {
    kind: "one-of-changed",
    effect: "unknown",
    old: keywordPointer(old, "oneOf"),
    next: keywordPointer(next, "oneOf"),
    at,
    what: "oneOf branches changed, and they may overlap (an instance matching two branches is refused)",
  });
}

const MAX_DISJOINT_BRANCHES = 64;

function pairwiseDisjoint(branches: readonly Side[]): boolean {
  if (branches.length > MAX_DISJOINT_BRANCHES) return false;
  for (let i = 0; i < branches.length; i++) {
    for (let j = i + 1; j < branches.length; j++) {
      if (!provablyDisjoint(branches[i] as Side, branches[j] as Side, true)) return false;
    }
  }
  return true;
}

/** True when no instance can be valid under both: different types, different values, or a discriminating member. */
function provablyDisjoint(a: Side, b: Side, lookInside: boolean): boolean {
  const first = follow(a);
  const second = follow(b);
  if ("reason" in first || "reason" in second || first.target || second.target) return false;
  const ka = keywordsOf(first.side);
  const kb = keywordsOf(second.side);
  if (!ka || !kb) return true;
  const kindsA = kindsOf(ka);
  const kindsB = kindsOf(kb);
  if (kindsA !== undefined && kindsB !== undefined && disjointKinds(kindsA, kindsB)) return true;
  const valuesA = valueSetOf(ka);
  const valuesB = valueSetOf(kb);
  if (valuesA && valuesB && ![...valuesA.values.keys()].some((key) => valuesB.values.has(key))) return true;
  if (valuesA && kindsB !== undefined && [...valuesA.values.values()].every((v) => !admits(kindsB, kindOfValue(v)))) {
    return true;
  }
  if (valuesB && kindsA !== undefined && [...valuesB.values.values()].every((v) => !admits(kindsA, kindOfValue(v)))) {
    return true;
  }
  if (!lookInside || !onlyObjects(kindsA) || !onlyObjects(kindsB)) return false;
  const requiredB = new Set(requiredNames(kb));
  return requiredNames(ka).some((name) => {
    if (!requiredB.has(name)) return false;
    const memberA = subschema(first.side, "properties", name);
    const memberB = subschema(second.side, "properties", name);
    return memberA !== undefined && memberB !== undefined && provablyDisjoint(memberA, memberB, false);
  });
}

function requiredNames(keywords: SchemaObject): string[] {
  const list = keywordValue(keywords, "required");
  return Array.isArray(list) ? list.filter((name): name is string => typeof name === "string") : [];
}

/** `not`: added narrows, dropped widens, changed is undecidable (C3). */
function compareNot(c: Comparison, old: Side, next: Side, at: Location): void {
  const before = subschema(old, "not");
  const after = subschema(next, "not");
  if (!before && !after) return;
  if (before && after && sameMeaning(before, after, c.call)) return;
  const kind = !before ? "not-added" : !after ? "not-removed" : "not-changed";
  report(c, {
    kind,
    effect: kind === "not-added" ? "narrows" : kind === "not-removed" ? "widens" : "unknown",
    old: before ?? keywordPointer(old, "not"),
    next: after ?? keywordPointer(next, "not"),
    at,
    what: kind === "not-added" ? "not added" : kind === "not-removed" ? "not removed" : "the schema under not changed",
  });
}

/** `if`/`then`/`else`: added as a whole narrows, dropped widens, any other change is undecidable (C3). */
function compareConditional(c: Comparison, old: Side, next: Side, at: Location): void {
  const trio = (side: Side) => ["if", "then", "else"].map((keyword) => subschema(side, keyword));
  const [ifBefore, ...branchesBefore] = trio(old);
  const [ifAfter, ...branchesAfter] = trio(next);
  // Without `if`, `then` and `else` do nothing.
  const before = ifBefore && branchesBefore.some(Boolean);
  const after = ifAfter && branchesAfter.some(Boolean);
  if (!before && !after) return;
  let kind: "conditional-added" | "conditional-removed" | "conditional-changed";
  if (!before) kind = "conditional-added";
  else if (!after) kind = "conditional-removed";
  else {
    const all = trio(old).map((was, i) => [was, trio(next)[i]] as const);
    const unchanged = all.every(([was, is]) =>
      was === undefined ? is === undefined : is !== undefined && sameMeaning(was, is, c.call),
    );
    if (unchanged) return;
    kind = "conditional-changed";
  }
  report(c, {
    kind,
    effect: kind === "conditional-added" ? "narrows" : kind === "conditional-removed" ? "widens" : "unknown",
    old: keywordPointer(old, "if"),
    next: keywordPointer(next, "if"),
    at,
    what:
      kind === "conditional-added"
        ? "if/then/else added"
        : kind === "conditional-removed"
          ? "if/then/else removed"
          : "if, then or else changed",
  });
}
