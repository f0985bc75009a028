import type { DifferenceKind } from "./kinds.js";

/**
 * Whether one difference breaks callers (RULES.md C1, C3): `true`, `false`, or `"undecidable"`
 * when the comparison cannot tell. An undecidable difference is never reported as compatible:
 * `lom diff` and the `strict` policy count it as breaking.
 */
export type BreakingVerdict = boolean | "undecidable";

/**
 * One difference between two versions of a module (RULES.md C1), as plain JSON so that a
 * registry can keep it in a decision record or in an error's details as is.
 *
 * `old_pointer` and `new_pointer` are JSON Pointers into the old and the new payload (the
 * capability index may differ between them): where the keyword or subschema is, or where it is
 * missing when it was added or removed. Each is absent only for an action that exists on one
 * side.
 */
export interface CompatibilityDifference {
  /** What changed, named so that the everyday case reads apart from a real removal: see {@link DIFFERENCE_KINDS}. */
  readonly kind: DifferenceKind;
  /** The capability's `action`. */
  readonly action: string;
  /** Whether callers break: an input that refuses more, an output that allows more, or undecidable. */
  readonly breaking: BreakingVerdict;
  readonly old_pointer?: string;
  readonly new_pointer?: string;
  /** One line for a person: input or output, the instance location, what changed and what it does to callers. */
  readonly message: string;
}

/**
 * What {@link compareRegistrations} found. Members in the order `lom diff --json` prints them.
 *
 * - `breaking`: some difference breaks callers or is undecidable (C3, C4).
 * - `declared`: the version change declares breaking changes (C2): a major bump, or for `0.y.z`
 *   a minor one (for `0.0.z` a patch one), as Cargo reads SemVer. It says what the versions
 *   declare whatever the differences are; an upgrade needs attention when
 *   `breaking && !declared` (`BREAKING_CHANGE_UNDECLARED`).
 * - `differences`: every difference found, breaking or not, old capabilities first (each with its
 *   input, then its output), then the actions added.
 */
export interface CompatibilityReport {
  readonly breaking: boolean;
  readonly declared: boolean;
  readonly differences: readonly CompatibilityDifference[];
}
