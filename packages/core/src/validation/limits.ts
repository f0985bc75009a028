/**
 * The numbers of RULES.md E11, in one place so that the checks, the messages and the README
 * cannot disagree.
 */

/** E11: the largest raw payload, in UTF-8 bytes (1 MiB). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** E11: the deepest subschema of a capability schema; the root is level 0. */
export const MAX_SCHEMA_DEPTH = 32;

/** E11: the most subschemas (the root included) one capability schema may hold. */
export const MAX_SUBSCHEMAS = 2000;

/** E11: the most values one `enum` may list. */
export const MAX_ENUM_VALUES = 1000;

/**
 * The deepest JSON nesting accepted anywhere in a payload (objects and arrays, the root is
 * level 0). A schema at the E11 limit of 32 levels reaches about 70 with the envelope around
 * it; the rest leaves room for `const` and `default` values. Beyond it nothing recursive runs.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * E11: the largest program, in RE2 instructions, of a pattern on the linear engine (about what
 * RE2's default memory budget of 8 MiB allows). Larger patterns need the backtracking engine.
 */
export const MAX_LINEAR_PROGRAM_SIZE = 100_000;

/**
 * E11: RE2's limit on a counted repetition (`{n,m}` counts up to m), and on the product of
 * nested counts. Larger counts need the backtracking engine.
 */
export const MAX_LINEAR_REPEAT = 1000;

/**
 * E11: the longest pattern that may run on the backtracking engine (one the linear engine cannot
 * run), in UTF-16 units. Keeps the analysis fast; patterns on the linear engine have no such limit.
 */
export const MAX_PATTERN_LENGTH = 1000;

/**
 * E11: on the backtracking engine, bounded repetitions that can trade characters (`\d{3}-?\d{4}`)
 * are accepted while the product of their ranges stays at most this: the work per input position
 * is then a constant.
 */
export const MAX_BOUNDED_BACKTRACKING = 10_000;

/**
 * E11: the most repetitions of a pattern that may run on the backtracking engine; the analysis
 * costs grow with their square. Patterns on the linear engine have no such limit.
 */
export const MAX_PATTERN_QUANTIFIERS = 64;

/**
 * E11: the time, in milliseconds, after which the slow parts of validating one payload (or one
 * schema given to `compileSchema`) are cut short: regular expressions not analysed before are
 * refused, and meta-schema faults are reported without their details. Ordinary payloads take a
 * few milliseconds; the bound only meets payloads built to be slow.
 */
export const ANALYSIS_BUDGET_MS = 1000;
