import type { BreakingVerdict } from "./types.js";

/**
 * What one change does to the set of instances a schema accepts: `narrows` (some instance that
 * was valid is refused), `widens` (some instance that was refused is valid), `incomparable`
 * (both), `unknown` (the comparison cannot tell, RULES.md C3), `none` (no instance changes side).
 */
export type Effect = "narrows" | "widens" | "incomparable" | "unknown" | "none";

/** Which side of a capability a schema is: callers send inputs and read outputs. */
export type Direction = "input" | "output";

/**
 * The verdict of a change for callers (C1): an input may only accept more (narrowing breaks the
 * callers that sent what is now refused), an output may only promise less (widening breaks the
 * callers that read it). What cannot be decided is never called compatible (C3).
 */
export function verdictOf(effect: Effect, direction: Direction): BreakingVerdict {
  switch (effect) {
    case "unknown":
      return "undecidable";
    case "incomparable":
      return true;
    case "none":
      return false;
    case "narrows":
      return direction === "input";
    case "widens":
      return direction === "output";
  }
}

/** Two changes made at once, such as a property added (widens) and made required (narrows). */
export function combineEffects(first: Effect, second: Effect): Effect {
  if (first === "unknown" || second === "unknown") return "unknown";
  if (first === "none") return second;
  if (second === "none" || first === second) return first;
  return "incomparable";
}
