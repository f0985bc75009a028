import { isSchemaObject, type SchemaObject } from "../validation/schema-walk.js";
import { compareCount } from "./bounds.js";
import { anyChild, type Comparison, type Location, member, memberNames, quoted, report } from "./comparison.js";
import { compareListedOnOneSide } from "./members.js";
import { NO_NAMES, type RequiredNames, requiredOf, requires, sameNames } from "./required.js";
import { absent, entryOf, keywordPointer, keywordValue, namesOf, type Side, subschema } from "./schema-side.js";
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
  keywords: number,
  at: Location,
): void {
  // `keywords` (KEYWORDS, of both sides) spares looking up what neither side holds.
  const oldRequired = keywords & KEYWORDS.required ? requiredOf(oldKeywords) : NO_NAMES;
  const newRequired = keywords & KEYWORDS.required ? requiredOf(newKeywords) : NO_NAMES;
  if (keywords & KEYWORDS.patternProperties) comparePatternProperties(c, old, next, oldKeywords, newKeywords, at);
  const oldProperties = keywords & KEYWORDS.properties ? mapOf(oldKeywords, "properties") : undefined;
  const newProperties = keywords & KEYWORDS.properties ? mapOf(newKeywords, "properties") : undefined;
  // Every name either side lists, the old ones first, each once.
  if (oldProperties) {
    for (const name of Object.keys(oldProperties)) {
      compareMember(c, old, next, name, oldProperties, newProperties, oldRequired, newRequired, at);
    }
  }
  if (newProperties) {
    for (const name of Object.keys(newProperties)) {
      if (listedIn(oldProperties, name)) continue;
      compareMember(c, old, next, name, oldProperties, newProperties, oldRequired, newRequired, at);
    }
  }
  // Names required on one side only without being listed (a name required on both sides is the
  // same either way); most versions require the same list.
  if (!sameNames(oldRequired, newRequired)) {
    for (const name of oldRequired) {
      if (requires(newRequired, name) || listedIn(oldProperties, name) || listedIn(newProperties, name)) continue;
      compareRequiredness(c, old, next, name, oldRequired, newRequired, at);
    }
    for (const name of newRequired) {
      if (requires(oldRequired, name) || listedIn(oldProperties, name) || listedIn(newProperties, name)) continue;
      compareRequiredness(c, old, next, name, oldRequired, newRequired, at);
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

/** One name listed in `properties` on either side or both. */
function compareMember(
  c: Comparison,
  old: Side,
  next: Side,
  name: string,
  oldProperties: SchemaObject | undefined,
  newProperties: SchemaObject | undefined,
  oldRequired: RequiredNames,
  newRequired: RequiredNames,
  at: Location,
): void {
  const before = oldProperties && entryOf(old, "properties", oldProperties, name);
  const after = newProperties && entryOf(next, "properties", newProperties, name);
  if (before && after) {
    c.compare(before, after, member(at, name));
    compareRequiredness(c, old, next, name, oldRequired, newRequired, at);
  } else if (after) {
    compareListedOnOneSide(c, "added", after, old, name, oldRequired, newRequired, at);
  } else if (before) {
    compareListedOnOneSide(c, "removed", before, next, name, oldRequired, newRequired, at);
  }
}

/** The value of a keyword that holds a map of names (`properties`), or `undefined`. */
function mapOf(keywords: SchemaObject, keyword: string): SchemaObject | undefined {
  const map = keywordValue(keywords, keyword);
  return isSchemaObject(map) ? map : undefined;
}

const isListed = Object.prototype.propertyIsEnumerable;

/** Whether `name` is among the names of `map` (`Object.keys`: its own enumerable members). */
function listedIn(map: SchemaObject | undefined, name: string): boolean {
  return map !== undefined && isListed.call(map, name);
}

function compareRequiredness(
  c: Comparison,
  old: Side,
  next: Side,
  name: string,
  oldRequired: RequiredNames,
  newRequired: RequiredNames,
  at: Location,
): void {
  const before = requires(oldRequired, name);
  const after = requires(newRequired, name);
  if (before === after) return;
  report(c, {
    kind: after ? "property-became-required" : "property-became-optional",
    effect: after ? "narrows" : "widens",
    old: keywordPointer(old, "required"),
    next: keywordPointer(next, "required"),
    at: member(at, name),
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
