/**
 * The lexical forms of RULES.md E3, E4, E5 and E7, shared by the TypeBox envelope, the JSON
 * Schema file and the core's checks so that they can never disagree.
 */

/** E3/E7: lowercase words joined by single `-` or `_`, starting with a letter. */
export const NAME_PATTERN = "^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$";
/** E3/E7: the longest module or action name. */
export const NAME_MAX_LENGTH = 64;

/** E4: SemVer 2.0.0, the regular expression published with the specification (no `v`, no range). */
export const SEMVER_PATTERN =
  "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";
/** E4: longer versions are refused before any parsing (semver's own limit is 256). */
export const VERSION_MAX_LENGTH = 256;

/** E5: RFC 3339 date-time in UTC: `Z` only, fractional seconds allowed. */
export const UTC_TIMESTAMP_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?Z$";

/** E6: how many capabilities one module may declare. */
export const MIN_CAPABILITIES = 1;
export const MAX_CAPABILITIES = 256;

/** E8: description length. */
export const DESCRIPTION_MAX_LENGTH = 1024;

/** E2: members whose name starts with `x-` are vendor extensions, kept and never interpreted. */
export const EXTENSION_PATTERN = "^x-";
