/**
 * The lexical forms of RULES.md E3, E4, E5 and E7, shared by the TypeBox envelope, the JSON
 * Schema file and the core's checks so that they can never disagree.
 */

/** E3/E7: lowercase words joined by single `-` or `_`, starting with a letter. */
export const NAME_PATTERN = "^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$";
/** E3/E7: the longest module or action name. */
export const NAME_MAX_LENGTH = 64;

/**
 * E4: SemVer 2.0.0, the regular expression published with the specification (no `v`, no range),
 * with `[0-9]` for `\d`: the same in JavaScript, but Python's `re` lets `\d` match any Unicode
 * digit, and the JSON Schema file must mean the same in every validator.
 */
export const SEMVER_PATTERN =
  "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][a-zA-Z0-9-]*)(?:\\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";
/** E4: longer versions are refused before any parsing (semver's own limit is 256). */
export const VERSION_MAX_LENGTH = 256;

/**
 * E5: RFC 3339 date-time in UTC: `Z` only, fractional seconds allowed. Field ranges are part of
 * the pattern (month 01-12, day 01-31, hour 00-23, minute 00-59, second 00-60 for a leap
 * second) so that a validator that does not assert `format` still catches most bad instants;
 * the day-of-month check (`2025-02-30`) is left to `format: "date-time"`.
 */
export const UTC_TIMESTAMP_PATTERN =
  "^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\\.[0-9]{1,9})?Z$";

/** E6: the fewest capabilities one module may declare. */
export const MIN_CAPABILITIES = 1;
/** E6: the most capabilities one module may declare. */
export const MAX_CAPABILITIES = 256;

/** E8: the longest `description`, in characters (Unicode code points, as JSON Schema counts). */
export const DESCRIPTION_MAX_LENGTH = 4096;

/** E2: members whose name starts with `x-` are vendor extensions, kept and never interpreted. */
export const EXTENSION_PATTERN = "^x-";
