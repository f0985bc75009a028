/**
 * The version of the RUNE Module Registration Specification (MRS) that this package implements,
 * as RULES.md reads it. It is written into the JSON Schema file as `x-mrs-spec-version`.
 */
export const MRS_SPEC_VERSION = "1.0";
