import type { RegistrationPayload } from "@rune/mrs-schema";
import type { MrsError, MrsWarning } from "./errors.js";
import type { RegistrationInput } from "./source.js";
import { compileSchema as compileWithEngine, type SchemaValidator } from "./validation/engine.js";
import { type ParsedText, parseJsonText, readJson } from "./validation/json-text.js";
import { validatePayload } from "./validation/registration.js";
import { knownFormats as engineFormats, formatWarningsOf } from "./validation/schema-rules.js";
import type { ValidationResult } from "./validation-types.js";

export {
  ANALYSIS_BUDGET_MS,
  MAX_BOUNDED_BACKTRACKING,
  MAX_ENUM_VALUES,
  MAX_JSON_DEPTH,
  MAX_LINEAR_PROGRAM_SIZE,
  MAX_LINEAR_REPEAT,
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_QUANTIFIERS,
  MAX_PAYLOAD_BYTES,
  MAX_SCHEMA_DEPTH,
  MAX_SUBSCHEMAS,
} from "./validation/limits.js";
export {
  checkPattern,
  type PatternCheckOptions,
  type PatternEngine,
  type PatternVerdict,
} from "./validation/regex-safety.js";
export type { SchemaValidator };

/**
 * Validates a registration payload against every envelope rule of RULES.md, E1 to E12, and
 * reports every fault at once: each error has its `code`, `rule`, the JSON Pointer of the
 * offending value, a message and, where the fix is obvious, a hint. Warnings (E9b unknown
 * formats) never block. Never throws, whatever the input.
 *
 * @example
 * const result = validateRegistration(JSON.parse(text));
 * if (!result.ok) for (const e of result.errors) console.log(`${e.code} ${e.pointer}: ${e.message}`);
 */
export function validateRegistration(payload: unknown): ValidationResult<RegistrationPayload> {
  return validatePayload(payload);
}

/**
 * Reads raw JSON text or bytes (RULES.md E1, E11, E12): more than {@link MAX_PAYLOAD_BYTES}
 * UTF-8 bytes is `PAYLOAD_TOO_LARGE` before any parsing; text that is not JSON is
 * `INVALID_JSON` with its line, column and position; `__proto__` keys stay plain data.
 */
export function parseRegistration(text: string | Uint8Array): ValidationResult<unknown> {
  return asResult(readJson(text));
}

/**
 * Parses JSON text or UTF-8 bytes as {@link parseRegistration} does (strict UTF-8, `INVALID_JSON`
 * with line, column and position, `__proto__` kept as data: E1, E12), but with no size limit:
 * for a body whose size its reader bounds (an HTTP host's other requests).
 */
export function parseJson(text: string | Uint8Array): ValidationResult<unknown> {
  return asResult(parseJsonText(text));
}

function asResult(read: ParsedText): ValidationResult<unknown> {
  return read.ok
    ? { ok: true, value: read.value, errors: [], warnings: [] }
    : { ok: false, errors: [read.error], warnings: [] };
}

/**
 * What a payload, valid or not, declares as its module's name or version: the member `key` of its
 * `registration_metadata` (own members only, never inherited ones) when that is a string, else
 * `null`. For a payload not validated (yet): an HTTP host checks the name a token may register
 * on the very value it registers (A2), and a rejected decision names the module it can.
 *
 * @example
 * declaredMetadata(JSON.parse(body), "module_name"); // "echo", or null
 */
export function declaredMetadata(payload: unknown, key: "module_name" | "module_version"): string | null {
  if (typeof payload !== "object" || payload === null || !Object.hasOwn(payload, "registration_metadata")) return null;
  const meta = (payload as { registration_metadata: unknown }).registration_metadata;
  if (typeof meta !== "object" || meta === null || !Object.hasOwn(meta, key)) return null;
  const value = (meta as Record<string, unknown>)[key];
  return typeof value === "string" ? value : null;
}

/**
 * Parses (when given text) and validates one {@link RegistrationInput}; an input that already
 * carries a source's errors is passed through as a failure.
 */
export function checkRegistration(input: RegistrationInput): ValidationResult<RegistrationPayload> {
  if ("errors" in input) return { ok: false, errors: input.errors, warnings: [] };
  if ("text" in input) {
    const parsed = parseRegistration(input.text);
    return parsed.ok ? validateRegistration(parsed.value) : parsed;
  }
  return validateRegistration(input.payload);
}

/**
 * Compiles a capability schema once, cached by its content (RULES.md I1, I2); see
 * {@link SchemaValidator}. Throws an `MrsFailure` for a schema that breaks the rules that
 * keep compiling safe (E9-E11): the registry only compiles schemas that validated.
 */
export function compileSchema(schema: object): SchemaValidator {
  return compileWithEngine(schema);
}

/**
 * The E9b warnings of one capability schema: every `format` the engine does not check, with
 * its pointer under `base`. Lets the registry show, for an accepted capability, which values
 * are not checked, without validating the whole payload again.
 *
 * @example
 * schemaWarnings(capability.input_schema, "/capabilities/0/input_schema") // [{ code: "UNKNOWN_FORMAT", ... }]
 */
export function schemaWarnings(schema: unknown, base = ""): readonly MrsWarning[] {
  return formatWarningsOf(schema, base);
}

/** The `format` names the engine really checks (RULES.md I2); any other gets an E9b warning. */
export function knownFormats(): readonly string[] {
  return engineFormats();
}

export type { MrsError };
