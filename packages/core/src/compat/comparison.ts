// biome-ignore-all lint/style/useTemplate: texts on the hot path of a comparison are joined with `+` on purpose: a template converts each part to a string again, a call per part
import { escapeSegment } from "../errors.js";
import { type Direction, type Effect, verdictOf } from "./effect.js";
import type { DifferenceKind } from "./kinds.js";
import type { EqualityMemory } from "./same-meaning.js";
import type { Side } from "./schema-side.js";
import type { CompatibilityDifference } from "./types.js";

/**
 * Where in an instance a subschema applies, for messages (`/records/*\/level`), and how many
 * members or items deep that is: a `$ref` cycle that comes back deeper is a recursive structure
 * the comparison may assume (its instances are finite), one that comes back at the same depth
 * is not followed.
 */
export interface Location {
  readonly path: string;
  readonly depth: number;
}

/** The instance itself. */
export const ROOT: Location = { path: "", depth: 0 };

/**
 * A location one member or item below another. Its path is written out when first read: every
 * subschema compared gets a location, but only the few that are reported need their path.
 */
class Step implements Location {
  declare readonly depth: number;
  declare private readonly parent: Location;
  declare private readonly segment: string | number;
  /** A member name, escaped as a JSON Pointer segment when written out. */
  declare private readonly named: boolean;
  declare private written: string | undefined;

  constructor(parent: Location, segment: string | number, named: boolean) {
    this.depth = parent.depth + 1;
    this.parent = parent;
    this.segment = segment;
    this.named = named;
    this.written = undefined;
  }

  get path(): string {
    if (this.written === undefined) {
      // Joined with `+`, not a template: the parts are strings already, and a template would
      // convert each again (a call per part, as a member read is not known to be a string).
      const segment = this.named ? escapeSegment(this.segment as string) : String(this.segment);
      const parent = this.parent.path;
      this.written = parent.length === 0 ? "/" + segment : parent + "/" + segment;
    }
    return this.written;
  }
}

/** The member `name` of an object. */
export function member(at: Location, name: string): Location {
  return new Step(at, name, true);
}

/** Any member, or any item (`additionalProperties`, `items`). */
export function anyChild(at: Location): Location {
  return new Step(at, "*", false);
}

/** The item at `index` of an array. */
export function item(at: Location, index: number): Location {
  return new Step(at, index, false);
}

/** The names of an object's members (`propertyNames`). */
export function memberNames(at: Location): Location {
  return new Step(at, "(member names)", false);
}

/**
 * The work bound of one `compareRegistrations` call. Capability schemas are bounded (E11: 2,000
 * subschemas each), but comparing `anyOf` branches with each other multiplies the work; past the
 * bound, what is left is reported as undecidable, never as compatible (C3).
 */
export const MAX_COMPARISON_STEPS = 200_000;
/** How deep the comparison may nest (subschemas and references) before it stops, well within the call stack. */
export const MAX_COMPARISON_NESTING = 200;

/**
 * What the comparisons of one call share: the work counter (against the bound), and what its
 * equality walks found (see {@link EqualityMemory}).
 */
export interface CallState extends EqualityMemory {
  steps: number;
}

/** Compares two subschemas within a comparison (the orchestrating module's, so that keyword modules need not import it). */
export type Runner = (of: Comparison, old: Side, next: Side, at: Location) => void;

/** One schema being compared, in one direction: where differences go, and what is under way. */
export interface Comparison {
  readonly direction: Direction;
  readonly action: string;
  readonly out: CompatibilityDifference[];
  readonly call: CallState;
  /**
   * Pairs of subschemas reached through `$ref` (by their pointers): those being compared, with
   * the instance depth they were entered at, and those done (a definition used twice is reported
   * once). Made on the first reference followed: most schemas have none.
   */
  pairs?: { readonly open: Map<string, number>; readonly done: Set<string> };
  nesting: number;
  stopped: boolean;
  readonly run: Runner;
  /** Compares two subschemas within this comparison. */
  readonly compare: (old: Side, next: Side, at: Location) => void;
}

/** A new comparison, with `compare` bound to it. */
export function newComparison(
  init: { direction: Direction; action: string; out: CompatibilityDifference[]; call: CallState; nesting?: number },
  run: Runner,
): Comparison {
  return new Under(init.direction, init.action, init.out, init.call, init.nesting ?? 0, run);
}

/** A {@link Comparison}: `compare` is a method, not a closure made for each schema compared. */
class Under implements Comparison {
  declare readonly direction: Direction;
  declare readonly action: string;
  declare readonly out: CompatibilityDifference[];
  declare readonly call: CallState;
  declare pairs: { readonly open: Map<string, number>; readonly done: Set<string> } | undefined;
  declare nesting: number;
  declare stopped: boolean;
  declare readonly run: Runner;

  constructor(
    direction: Direction,
    action: string,
    out: CompatibilityDifference[],
    call: CallState,
    nesting: number,
    run: Runner,
  ) {
    this.direction = direction;
    this.action = action;
    this.out = out;
    this.call = call;
    this.pairs = undefined;
    this.nesting = nesting;
    this.stopped = false;
    this.run = run;
  }

  compare(old: Side, next: Side, at: Location): void {
    this.run(this, old, next, at);
  }
}

/** A comparison of its own (own differences, own memory of pairs) that shares the work bound: for "does this branch hold that schema?". */
export function scratch(of: Comparison, direction: Direction = of.direction): Comparison {
  return newComparison({ direction, action: of.action, out: [], call: of.call, nesting: of.nesting }, of.run);
}

/**
 * True when the comparison can show that every instance valid under `old` is valid under `next`
 * (direction `input`), or that every instance valid under `next` is valid under `old` (direction
 * `output`): it reports no difference that breaks.
 */
export function holds(
  of: Comparison,
  old: Side,
  next: Side,
  at: Location,
  direction: Direction = of.direction,
): boolean {
  const trial = scratch(of, direction);
  trial.compare(old, next, at);
  return trial.out.every((difference) => difference.breaking === false);
}

/** What a difference says, before its verdict and message are worked out. */
export interface Finding {
  readonly kind: DifferenceKind;
  readonly effect: Effect;
  /** The old and new location: a subschema, or a pointer into it (the keyword). */
  readonly old?: Side | string;
  readonly next?: Side | string;
  readonly at: Location;
  /** What changed, without the consequence (added from the effect and direction). */
  readonly what: string;
}

/** Records one difference with its verdict (C1, C3) and its one-line message. */
export function report(of: Comparison, finding: Finding): void {
  const kind = finding.kind;
  const action = of.action;
  const input = of.direction === "input";
  const breaking = verdictOf(finding.effect, of.direction);
  const path = finding.at.path;
  // `${where}: ${what}; ${consequence}`, joined from as few parts as the text allows (see Step).
  const where = path.length === 0 ? (input ? "input: " : "output: ") : (input ? "input " : "output ") + path + ": ";
  const message = where + finding.what + consequence(finding.effect, input);
  const old_pointer = finding.old === undefined ? undefined : pointerOf(finding.old);
  const new_pointer = finding.next === undefined ? undefined : pointerOf(finding.next);
  // Members in the order INTERFACES.md lists them, the pointers only when there are some.
  if (old_pointer === undefined) {
    of.out.push(
      new_pointer === undefined
        ? { kind, action, breaking, message }
        : { kind, action, breaking, new_pointer, message },
    );
  } else {
    of.out.push(
      new_pointer === undefined
        ? { kind, action, breaking, old_pointer, message }
        : { kind, action, breaking, old_pointer, new_pointer, message },
    );
  }
}

/**
 * `JSON.stringify` of a name for a message, without its cost for the plain names most are
 * (printable ASCII without `"` or `\`); any other goes through `JSON.stringify`.
 */
export function quoted(name: string): string {
  return isPlain(name) ? '"' + name + '"' : JSON.stringify(name);
}

/** True for a name `JSON.stringify` only puts quotes around: printable ASCII without `"` or `\`. */
export function isPlain(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

function pointerOf(location: Side | string): string {
  return typeof location === "string" ? location : location.pointer;
}

/** What an effect does to callers in a direction, with the `; ` that leads it in a message. */
function consequence(effect: Effect, input: boolean): string {
  switch (effect) {
    case "unknown":
      return "; undecidable (MRS-C3): counted as breaking";
    case "none":
      return "; no instance changes validity";
    case "incomparable":
      return input
        ? "; breaking: some inputs that were valid are now refused"
        : "; breaking: callers may receive outputs the old version could not return";
    case "narrows":
      return input
        ? "; breaking: some inputs that were valid are now refused"
        : "; not breaking: outputs only promise more";
    case "widens":
      return input
        ? "; not breaking: more inputs are accepted"
        : "; breaking: callers may receive outputs the old version could not return";
  }
}

/**
 * Counts one step of work and says whether to go on. Past the bound (or too deep), the
 * comparison stops and says so once, in each comparison that met the bound (C3).
 */
export function proceed(of: Comparison, old: Side, next: Side, at: Location): boolean {
  of.call.steps += 1;
  if (of.call.steps <= MAX_COMPARISON_STEPS && of.nesting <= MAX_COMPARISON_NESTING) return true;
  if (!of.stopped) {
    of.stopped = true;
    report(of, {
      kind: "comparison-too-complex",
      effect: "unknown",
      old,
      next,
      at,
      what:
        of.nesting > MAX_COMPARISON_NESTING
          ? `the comparison nests deeper than ${MAX_COMPARISON_NESTING} levels here and stopped`
          : `the comparison stopped after ${MAX_COMPARISON_STEPS} steps`,
    });
  }
  return false;
}
