import { isSchemaObject, type SchemaObject } from "../validation/schema-walk.js";
import { compareCount } from "./bounds.js";
import { anyChild, type Comparison, type Location, member, memberNames, quoted, report } from "./comparison.js";
import { compareListedOnOneSide, type ObjectPair } from "./members.js";
import { NO_NAMES, requiredNames, requires, sameNames } from "./required.js";
import {
  absent,
  entryOf,
  keywordPointer,
  keywordValue,
  namesOf,
  propertyOf,
  type Side,
  subschema,
} from "./schema-side.js";
import { KEYWORDS } from "./vocabulary.js";

/**
 * Objects. Each member name is compared with the schema that applies to it on each side: both
 * list it in `properties` (compared), one does (added or removed, read against the other side's
 * content model, C4), or neither (`additionalProperties` against `additionalProperties`).
 * `required`, `patternProperties` (same expressions compared, others undecidable), counts,
 * `propertyNames` and `dependentRequired` follow.
 */
export function compareObjects(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  oldGroups: number,
  newGroups: number,
  at: Location,
): void {
  // The keyword bits of each side (KEYWORDS) spare looking up what a side does not hold.
  const keywords = oldGroups | newGroups;
  const pair: ObjectPair = {
    old,
    next,
    oldGroups,
    newGroups,
    // A side's bit says the keyword is one of its own members (E12): read without another lookup.
    oldRequired: oldGroups & KEYWORDS.required ? requiredNames(oldKeywords.required) : NO_NAMES,
    newRequired: newGroups & KEYWORDS.required ? requiredNames(newKeywords.required) : NO_NAMES,
    at,
  };
  if (keywords & KEYWORDS.patternProperties) comparePatternProperties(c, old, next, oldKeywords, newKeywords, at);
  const oldProperties = oldGroups & KEYWORDS.properties ? mapIn(oldKeywords.properties) : undefined;
  const newProperties = newGroups & KEYWORDS.properties ? mapIn(newKeywords.properties) : undefined;
  // Every name either side lists, the old ones first, each once; a name is a member of the map
  // it was listed from.
  const oldNames = oldProperties ? Object.keys(oldProperties) : NOT_LISTED;
  for (const name of oldNames) {
    const before = propertyOf(old, oldProperties as SchemaObject, name);
    const after = newProperties && entryOf(next, "properties", newProperties, name);
    compareMember(c, pair, name, before, after);
  }
  if (newProperties) {
    const newNames = Object.keys(newProperties);
    for (let index = 0; index < newNames.length; index++) {
      const name = newNames[index] as string;
      // A name at the same place in the old list was listed there (versions mostly keep the
      // order): only a name elsewhere is looked up, once for both questions.
      if (oldNames[index] === name) continue;
      const own = oldProperties !== undefined && Object.hasOwn(oldProperties, name);
      if (own && isListed.call(oldProperties, name)) continue;
      const before = own ? propertyOf(old, oldProperties, name) : undefined;
      compareMember(c, pair, name, before, propertyOf(next, newProperties, name));
    }
  }
  // Names required on one side only without being listed (a name required on both sides is the
  // same either way); most versions require the same list.
  const { oldRequired, newRequired } = pair;
  if (!sameNames(oldRequired, newRequired)) {
    for (const name of oldRequired) {
      if (requires(newRequired, name) || listedIn(oldProperties, name) || listedIn(newProperties, name)) continue;
      compareRequiredness(c, pair, name);
    }
    for (const name of newRequired) {
      if (requires(oldRequired, name) || listedIn(oldProperties, name) || listedIn(newProperties, name)) continue;
      compareRequiredness(c, pair, name);
    }
  }
  if (keywords & KEYWORDS.additionalProperties) compareAdditionalProperties(c, old, next, at);
  if (keywords & KEYWORDS.propertyCounts) {
    compareCount(c, old, next, oldKeywords, newKeywords, at, "minProperties");
    compareCount(c, old, next, oldKeywords, newKeywords, at, "maxProperties");
  }
  if (keywords & KEYWORDS.propertyNames) {
    c.compare(
      subschema(old, "propertyNames") ?? absent(old, "propertyNames"),
      subschema(next, "propertyNames") ?? absent(next, "propertyNames"),
      memberNames(at),
    );
  }
  if (keywords & KEYWORDS.dependentRequired) compareDependentRequired(c, old, next, oldKeywords, newKeywords, at);
}

/** One name listed in `properties` on either side or both, with its subschema on each side. */
function compareMember(
  c: Comparison,
  pair: ObjectPair,
  name: string,
  before: Side | undefined,
  after: Side | undefined,
): void {
  if (before && after) {
    c.compare(before, after, member(pair.at, name));
    compareRequiredness(c, pair, name);
  } else if (after) {
    compareListedOnOneSide(c, pair, "added", after, name);
  } else if (before) {
    compareListedOnOneSide(c, pair, "removed", before, name);
  }
}

/** The value of a keyword that holds a map of names (`properties`), when it is one. */
function mapIn(value: unknown): SchemaObject | undefined {
  return isSchemaObject(value) ? value : undefined;
}

const isListed = Object.prototype.propertyIsEnumerable;

const NOT_LISTED: readonly string[] = Object.freeze([]);

/** Whether `name` is among the names of `map` (`Object.keys`: its own enumerable members). */
function listedIn(map: SchemaObject | undefined, name: string): boolean {
  // `propertyIsEnumerable` is a call into the runtime; `hasOwn` answers most names (absent) first.
  return map !== undefined && Object.hasOwn(map, name) && isListed.call(map, name);
}

function compareRequiredness(c: Comparison, pair: ObjectPair, name: string): void {
  const before = requires(pair.oldRequired, name);
  const after = requires(pair.newRequired, name);
  if (before === after) return;
  report(c, {
    kind: after ? "property-became-required" : "property-became-optional",
    effect: after ? "narrows" : "widens",
    old: keywordPointer(pair.old, "required"),
    next: keywordPointer(pair.next, "required"),
    at: member(pair.at, name),
    what: after ? `${quoted(name)} became required` : `${quoted(name)} is no longer required`,
  });
}

/** The members no `properties` or `patternProperties` entry names, on either side. */
function compareAdditionalProperties(c: Comparison, old: Side, next: Side, at: Location): void {
  const before = subschema(old, "additionalProperties") ?? absent(old, "additionalProperties");
  const after = subschema(next, "additionalProperties") ?? absent(next, "additionalProperties");
  const wasClosed = before.schema === false;
  const isClosed = after.schema === false;
  if (wasClosed && isClosed) return;
  if (wasClosed || isClosed) {
    report(c, {
      kind: isClosed ? "additional-properties-forbidden" : "additional-properties-allowed",
      effect: isClosed ? "narrows" : "widens",
      old: before,
      next: after,
      at: anyChild(at),
      what: isClosed
        ? "additionalProperties became false: members the schema does not name are refused"
        : "additionalProperties is no longer false: members the schema does not name are accepted",
    });
    return;
  }
  c.compare(before, after, anyChild(at));
}

/** Entries with the same expression are compared; an expression added or removed is undecidable (C3). */
function comparePatternProperties(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  const oldExpressions = namesOf(oldKeywords, "patternProperties");
  const newExpressions = namesOf(newKeywords, "patternProperties");
  for (const expression of new Set([...oldExpressions, ...newExpressions])) {
    const before = subschema(old, "patternProperties", expression);
    const after = subschema(next, "patternProperties", expression);
    if (before && after) {
      c.compare(before, after, anyChild(at));
      continue;
    }
    report(c, {
      kind: after ? "pattern-property-added" : "pattern-property-removed",
      effect: "unknown",
      old: before ?? keywordPointer(old, "patternProperties"),
      next: after ?? keywordPointer(next, "patternProperties"),
      at: anyChild(at),
      what: `patternProperties ${JSON.stringify(expression)} ${after ? "added" : "removed"}: which names it covers is not compared`,
    });
  }
}

/** `dependentRequired`: a name required more often narrows, less often widens. */
function compareDependentRequired(
  c: Comparison,
  old: Side,
  next: Side,
  oldKeywords: SchemaObject,
  newKeywords: SchemaObject,
  at: Location,
): void {
  if (!Object.hasOwn(oldKeywords, "dependentRequired") && !Object.hasOwn(newKeywords, "dependentRequired")) return;
  const read = (side: Side, keywords: SchemaObject) => {
    const map = side.root.dialect === "2020-12" ? keywordValue(keywords, "dependentRequired") : undefined;
    const result = new Map<string, ReadonlySet<string>>();
    if (!isSchemaObject(map)) return result;
    for (const [trigger, names] of Object.entries(map)) {
      result.set(trigger, new Set(Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : []));
    }
    return result;
  };
  const before = read(old, oldKeywords);
  const after = read(next, newKeywords);
  for (const trigger of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(trigger) ?? new Set<string>();
    const is = after.get(trigger) ?? new Set<string>();
    const added = [...is].filter((name) => !was.has(name));
    const removed = [...was].filter((name) => !is.has(name));
    const location = member(at, trigger);
    for (const [names, kind, effect, verb] of [
      [added, "dependent-required-added", "narrows", "now requires"],
      [removed, "dependent-required-removed", "widens", "no longer requires"],
    ] as const) {
      if (names.length === 0) continue;
      report(c, {
        kind,
        effect,
        old: keywordPointer(old, "dependentRequired"),
        next: keywordPointer(next, "dependentRequired"),
        at: location,
        what: `a member ${JSON.stringify(trigger)} ${verb} ${names.map((name) => JSON.stringify(name)).join(", ")}`,
      });
    }
  }
}
