export { compareRegistrations } from "./compare-registrations.js";
export { DIFFERENCE_KINDS, type DifferenceKind, type DifferenceKindInfo } from "./kinds.js";
export type { BreakingVerdict, CompatibilityDifference, CompatibilityReport } from "./types.js";
export { declaresBreakingChange, nextBreakingVersion } from "./versions.js";
