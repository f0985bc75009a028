import { compileSchema } from "../validation/engine.js";
import { isSchemaObject, type SchemaObject } from "../validation/schema-walk.js";
import { compareCount } from "./bounds.js";
import { anyChild, type Comparison, type Location, member, memberNames, report } from "./comparison.js";
import { combineEffects, type Effect } from "./effect.js";
import type { DifferenceKind } from "./kinds.js";
import { absent, keywordPointer, keywordsOf, keywordValue, type Side, subschema } from "./schema-side.js";
import { acceptsEverything } from "./vocabulary.js";

/**
 * The content model that applied to a member name a schema does not list in `properties`
 * (Confluent's terms): `open` (any value: `additionalProperties` missing or `true`), `closed`
 * (refused: `false`), `partial` (a schema: `additionalProperties` or the one `patternProperties`
 * entry whose expression matches the name), or `unknown` (several entries match, or one could
 * not be run).
 */
type ContentModel =
  | { readonly model: "open" | "closed" | "partial"; readonly side: Side }
  | { readonly model: "unknown"; readonly side: Side; readonly reason: string };

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
  at: Location,
): void {
  const oldRequired = requiredOf(oldKeywords);
  const newRequired = requiredOf(newKeywords);
  if (Object.hasOwn(oldKeywords, "patternProperties") || Object.hasOwn(newKeywords, "patternProperties")) {
    comparePatternProperties(c, old, next, oldKeywords, newKeywords, at);
  }
  const oldNames = namesOf(oldKeywords, "properties");
  const newNames = namesOf(newKeywords, "properties");
  const listed = new Set(oldNames);
  for (const name of newNames) listed.add(name);
  for (const name of listed) {
    const before = subschema(old, "properties", name);
    const after = subschema(next, "properties", name);
    if (before && after) {
      c.compare(before, after, member(at, name));
      compareRequiredness(c, old, next, name, oldRequired, newRequired, at);
    } else if (after) {
      propertyAdded(c, old, after, name, oldRequired, newRequired, at);
    } else if (before) {
      propertyRemoved(c, before, next, name, oldRequired, newRequired, at);
    }
  }
  for (const required of [oldRequired, newRequired]) {
    for (const name of required) {
      // A name required on both sides is the same either way: compared once, from the old side.
      if (listed.has(name) || (required === newRequired && oldRequired.has(name))) continue;
      compareRequiredness(c, old, next, name, oldRequired, newRequired, at);
    }
  }
  const either = (keyword: string) => Object.hasOwn(oldKeywords, keyword) || Object.hasOwn(newKeywords, keyword);
  if (either("additionalProperties")) compareAdditionalProperties(c, old, next, at);
  compareCount(c, old, next, oldKeywords, newKeywords, at, "minProperties");
  compareCount(c, old, next, oldKeywords, newKeywords, at, "maxProperties");
  if (either("propertyNames")) {
    c.compare(
      subschema(old, "propertyNames") ?? absent(old, "propertyNames"),
      subschema(next, "propertyNames") ?? absent(next, "propertyNames"),
      memberNames(at),
    );
  }
  compareDependentRequired(c, old, next, oldKeywords, newKeywords, at);
}

function namesOf(keywords: SchemaObject, keyword: string): string[] {
  const map = keywordValue(keywords, keyword);
  return isSchemaObject(map) ? Object.keys(map) : [];
}

const NONE: ReadonlySet<string> = new Set();

function requiredOf(keywords: SchemaObject): ReadonlySet<string> {
  const list = keywordValue(keywords, "required");
  if (!Array.isArray(list) || list.length === 0) return NONE;
  const names = new Set<string>();
  for (const name of list) if (typeof name === "string") names.add(name);
  return names;
}

function contentModelOf(side: Side, name: string): ContentModel {
  const matching: Side[] = [];
  for (const expression of namesOf(keywordsOf(side) ?? {}, "patternProperties")) {
    const matches = patternMatches(expression, name);
    const entry = subschema(side, "patternProperties", expression);
    if (matches === undefined || !entry) {
      return {
        model: "unknown",
        side,
        reason: `the patternProperties expression ${JSON.stringify(expression)} could not be run`,
      };
    }
    if (matches) matching.push(entry);
  }
  if (matching.length > 1)
    return { model: "unknown", side, reason: "several patternProperties entries match this name" };
  const applies = matching[0] ?? subschema(side, "additionalProperties");
  if (!applies || acceptsEverything(applies.schema)) return { model: "open", side: applies ?? side };
  if (applies.schema === false) return { model: "closed", side: applies };
  return { model: "partial", side: applies };
}

/** Whether a `patternProperties` expression matches a name, run by the validation engine itself (E11-safe). */
function patternMatches(expression: string, name: string): boolean | undefined {
  try {
    return compileSchema({ type: "string", pattern: expression }).check(name, "INPUT_INVALID").valid;
  } catch {
    return undefined;
  }
}

const MODEL_WORDS = { open: "open", closed: "closed", partial: "partially-open", unknown: "partially-open" } as const;

/**
 * A property listed in the new `properties` only. Against a closed object the everyday case,
 * which widens; against an open one a narrowing (C4: a member of that name with another value
 * was valid); against a schema, a comparison with that schema. Required as well narrows.
 */
function propertyAdded(
  c: Comparison,
  old: Side,
  after: Side,
  name: string,
  oldRequired: ReadonlySet<string>,
  newRequired: ReadonlySet<string>,
  at: Location,
): void {
  const model = contentModelOf(old, name);
  const required = newRequired.has(name);
  const requirement = requirementEffect(name, oldRequired, newRequired);
  const newlyRequired = requirement === "narrows";
  const kind =
    `${required ? "required" : "optional"}-property-added-to-${MODEL_WORDS[model.model]}-object` as DifferenceKind;
  const subject = `${required ? "required" : "optional"} property ${JSON.stringify(name)} added${requirement === "widens" ? " (no longer required)" : ""}`;
  const location = member(at, name);
  switch (model.model) {
    case "open": {
      const value: Effect = acceptsEverything(after.schema) ? "none" : "narrows";
      report(c, {
        kind,
        effect: combineEffects(requirement, value),
        old: model.side,
        next: after,
        at: location,
        what: `${subject} to an open object${value === "none" ? " (with a schema that accepts any value)" : ": a member of that name with another value was valid before"}${newlyRequired ? "; inputs without it are refused" : ""}`,
      });
      return;
    }
    case "closed":
      report(c, {
        kind,
        effect: combineEffects(requirement, after.schema === false ? "none" : "widens"),
        old: model.side,
        next: after,
        at: location,
        what: `${subject} to a closed object (additionalProperties: false): a member of that name was refused before${newlyRequired ? ", and is now required" : ""}`,
      });
      return;
    case "partial":
      report(c, {
        kind,
        effect: requirement,
        old: model.side,
        next: after,
        at: location,
        what: `${subject} where ${describeModel(model.side)} applied; its schema is compared with that one`,
      });
      c.compare(model.side, after, location);
      return;
    case "unknown":
      report(c, {
        kind,
        effect: "unknown",
        old: model.side,
        next: after,
        at: location,
        what: `${subject}: ${model.reason}`,
      });
  }
}

/**
 * A property listed in the old `properties` only: the member falls to the new content model. A
 * closed one refuses it (a real removal); an open one lets it hold any value; a schema is
 * compared with the old property's. No longer required as well widens.
 */
function propertyRemoved(
  c: Comparison,
  before: Side,
  next: Side,
  name: string,
  oldRequired: ReadonlySet<string>,
  newRequired: ReadonlySet<string>,
  at: Location,
): void {
  const model = contentModelOf(next, name);
  const required = oldRequired.has(name);
  const requirement = requirementEffect(name, oldRequired, newRequired);
  const releasedRequirement = requirement === "widens";
  const kind =
    `${required ? "required" : "optional"}-property-removed-from-${MODEL_WORDS[model.model]}-object` as DifferenceKind;
  const subject = `${required ? "required" : "optional"} property ${JSON.stringify(name)} removed${requirement === "narrows" ? " (and now required)" : ""}`;
  const location = member(at, name);
  switch (model.model) {
    case "open": {
      const value: Effect = acceptsEverything(before.schema) ? "none" : "widens";
      report(c, {
        kind,
        effect: combineEffects(requirement, value),
        old: before,
        next: model.side,
        at: location,
        what: `${subject} from an open object: the member may now hold any value${releasedRequirement ? " or be missing" : ""}`,
      });
      return;
    }
    case "closed":
      report(c, {
        kind,
        effect: combineEffects(requirement, before.schema === false ? "none" : "narrows"),
        old: before,
        next: model.side,
        at: location,
        what: `${subject} from a closed object (additionalProperties: false): a member of that name is now refused`,
      });
      return;
    case "partial":
      report(c, {
        kind,
        effect: requirement,
        old: before,
        next: model.side,
        at: location,
        what: `${subject}; ${describeModel(model.side)} now applies to it and is compared with its old schema${releasedRequirement ? "; it may now be missing" : ""}`,
      });
      c.compare(before, model.side, location);
      return;
    case "unknown":
      report(c, {
        kind,
        effect: "unknown",
        old: before,
        next: model.side,
        at: location,
        what: `${subject}: ${model.reason}`,
      });
  }
}

/** A name added to `required` narrows, one dropped from it widens, whatever happens to its schema. */
function requirementEffect(name: string, oldRequired: ReadonlySet<string>, newRequired: ReadonlySet<string>): Effect {
  if (newRequired.has(name) === oldRequired.has(name)) return "none";
  return newRequired.has(name) ? "narrows" : "widens";
}

function describeModel(side: Side): string {
  return side.pointer.endsWith("/additionalProperties") ? "additionalProperties" : "a patternProperties entry";
}

function compareRequiredness(
  c: Comparison,
  old: Side,
  next: Side,
  name: string,
  oldRequired: ReadonlySet<string>,
  newRequired: ReadonlySet<string>,
  at: Location,
): void {
  const before = oldRequired.has(name);
  const after = newRequired.has(name);
  if (before === after) return;
  report(c, {
    kind: after ? "property-became-required" : "property-became-optional",
    effect: after ? "narrows" : "widens",
    old: keywordPointer(old, "required"),
    next: keywordPointer(next, "required"),
    at: member(at, name),
    what: after ? `${JSON.stringify(name)} became required` : `${JSON.stringify(name)} is no longer required`,
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
