// biome-ignore-all lint/style/useTemplate: texts on the hot path of a comparison are joined with `+` on purpose: a template converts each part to a string again, a call per part
import { compileSchema } from "../validation/engine.js";
import { type Comparison, isPlain, type Location, member, report } from "./comparison.js";
import { combineEffects, type Effect } from "./effect.js";
import type { DifferenceKind } from "./kinds.js";
import { type RequiredNames, requires } from "./required.js";
import { keywordsOf, namesOf, type Side, subschema } from "./schema-side.js";
import { acceptsEverything, KEYWORDS } from "./vocabulary.js";

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

/** Two object schemas being compared, as their members are read against them. */
export interface ObjectPair {
  readonly old: Side;
  readonly next: Side;
  /** The keyword bits of each side (`groupsOf` in vocabulary.ts). */
  readonly oldGroups: number;
  readonly newGroups: number;
  readonly oldRequired: RequiredNames;
  readonly newRequired: RequiredNames;
  /** Where the objects are in the instance. */
  readonly at: Location;
}

/**
 * A property listed in `properties` on one side only: `added` (the new version lists it) or
 * `removed` (the old one did). The member is read, on the other side, against the content model
 * that applies to its name (C4); the two cases are mirror images, so their effects swap:
 *
 * - open: added narrows (a member of that name with another value was valid), removed widens;
 * - closed: added widens (the member was refused), removed narrows (a real removal);
 * - partial: the property's schema is compared with the content model's;
 * - unknown: undecidable (C3).
 *
 * A name that also entered or left `required` adds that effect.
 */
export function compareListedOnOneSide(
  c: Comparison,
  pair: ObjectPair,
  change: "added" | "removed",
  listed: Side,
  name: string,
): void {
  const added = change === "added";
  const { oldRequired, newRequired } = pair;
  const model = added
    ? contentModelOf(pair.old, pair.oldGroups, name)
    : contentModelOf(pair.next, pair.newGroups, name);
  const isRequired = requires(added ? newRequired : oldRequired, name);
  const requirement = requirementEffect(name, oldRequired, newRequired);
  // The requirement's own change, told where it goes against the property's: an added property
  // that is no longer required (it was a required name the old version did not list), or a
  // removed one that is now required.
  const against = added ? "widens" : "narrows";
  const note = requirement !== against ? "" : added ? " (no longer required)" : " (and now required)";
  // The texts are joined with `+` rather than templates: each part is a string already, and a
  // template converts every part again, a call each (these run for every property added).
  // A plain name is quoted by the texts around it: two joins fewer than with quoted(), which
  // would check it again; any other is written by JSON.stringify, as quoted() does.
  const stated = isPlain(name)
    ? (isRequired ? 'required property "' : 'optional property "') + name + (added ? '" added' : '" removed')
    : (isRequired ? "required property " : "optional property ") +
      JSON.stringify(name) +
      (added ? " added" : " removed");
  const subject = note === "" ? stated : stated + note;
  const kind = listedKind(added, isRequired, model.model);
  const old = added ? model.side : listed;
  const next = added ? listed : model.side;
  const location = member(pair.at, name);
  switch (model.model) {
    case "open": {
      const value: Effect = acceptsEverything(listed.schema) ? "none" : added ? "narrows" : "widens";
      let what: string;
      if (added) {
        what =
          subject +
          (value === "none"
            ? " to an open object (with a schema that accepts any value)"
            : " to an open object: a member of that name with another value was valid before");
        if (requirement === "narrows") what += "; inputs without it are refused";
      } else {
        what = subject + " from an open object: the member may now hold any value";
        if (requirement === "widens") what += " or be missing";
      }
      report(c, { kind, effect: combineEffects(requirement, value), old, next, at: location, what });
      return;
    }
    case "closed": {
      const value: Effect = listed.schema === false ? "none" : added ? "widens" : "narrows";
      const what = added
        ? `${subject} to a closed object (additionalProperties: false): a member of that name was refused before${requirement === "narrows" ? ", and is now required" : ""}`
        : `${subject} from a closed object (additionalProperties: false): a member of that name is now refused`;
      report(c, { kind, effect: combineEffects(requirement, value), old, next, at: location, what });
      return;
    }
    case "partial": {
      const what = added
        ? `${subject} where ${describeModel(model.side)} applied; its schema is compared with that one`
        : `${subject}; ${describeModel(model.side)} now applies to it and is compared with its old schema${requirement === "widens" ? "; it may now be missing" : ""}`;
      report(c, { kind, effect: requirement, old, next, at: location, what });
      c.compare(old, next, location);
      return;
    }
    case "unknown":
      report(c, { kind, effect: "unknown", old, next, at: location, what: `${subject}: ${model.reason}` });
  }
}

/**
 * The kind of each case, by change, requirement and content model (`partial` and `unknown` read
 * as partially open). Chosen by branches, not read from a table keyed by names: a lookup by a
 * name that varies is a generic one.
 */
function listedKind(added: boolean, required: boolean, model: ContentModel["model"]): DifferenceKind {
  switch (model) {
    case "open":
      if (added) return required ? "required-property-added-to-open-object" : "optional-property-added-to-open-object";
      return required ? "required-property-removed-from-open-object" : "optional-property-removed-from-open-object";
    case "closed":
      if (added)
        return required ? "required-property-added-to-closed-object" : "optional-property-added-to-closed-object";
      return required ? "required-property-removed-from-closed-object" : "optional-property-removed-from-closed-object";
    default:
      if (added) {
        return required
          ? "required-property-added-to-partially-open-object"
          : "optional-property-added-to-partially-open-object";
      }
      return required
        ? "required-property-removed-from-partially-open-object"
        : "optional-property-removed-from-partially-open-object";
  }
}

/** The content model of `side` (with its keyword bits, `groups`) for a member `name`. */
function contentModelOf(side: Side, groups: number, name: string): ContentModel {
  // Most objects have neither `patternProperties` nor `additionalProperties`: open.
  if ((groups & (KEYWORDS.patternProperties | KEYWORDS.additionalProperties)) === 0) return { model: "open", side };
  // The one entry whose expression matches; a second one makes the model unknown, unless an
  // expression further on cannot be run, which is said first.
  let matching: Side | undefined;
  let several = false;
  const keywords = keywordsOf(side);
  const expressions = groups & KEYWORDS.patternProperties && keywords ? namesOf(keywords, "patternProperties") : [];
  for (const expression of expressions) {
    const matches = patternMatches(expression, name);
    const entry = subschema(side, "patternProperties", expression);
    if (matches === undefined || !entry) {
      return {
        model: "unknown",
        side,
        reason: `the patternProperties expression ${JSON.stringify(expression)} could not be run`,
      };
    }
    if (!matches) continue;
    if (matching) several = true;
    else matching = entry;
  }
  if (several) return { model: "unknown", side, reason: "several patternProperties entries match this name" };
  const applies = matching ?? subschema(side, "additionalProperties");
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

/** A name added to `required` narrows, one dropped from it widens, whatever happens to its schema. */
function requirementEffect(name: string, oldRequired: RequiredNames, newRequired: RequiredNames): Effect {
  const after = requires(newRequired, name);
  if (after === requires(oldRequired, name)) return "none";
  return after ? "narrows" : "widens";
}

function describeModel(side: Side): string {
  return side.pointer.endsWith("/additionalProperties") ? "additionalProperties" : "a patternProperties entry";
}
