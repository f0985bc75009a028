// PROVISIONAL: envelope-only validation so that the registry can be built; the validation
// work (E1-E12 in full) replaces this file's bodies, keeping the exported signatures.
import { RegistrationPayload } from "@rune/mrs-schema";
import { Compile } from "typebox/compile";
import { type MrsError, mrsError } from "./errors.js";
import type { RegistrationInput } from "./source.js";
import type { InstanceCheck, ValidationResult } from "./validation-types.js";

/** E11: the largest raw payload, in bytes. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

const envelope = Compile(RegistrationPayload);

/** Validates a registration payload against every E rule, reporting all faults at once. */
export function validateRegistration(payload: unknown): ValidationResult<RegistrationPayload> {
  if (envelope.Check(payload)) return { ok: true, value: payload as RegistrationPayload, errors: [], warnings: [] };
  return { ok: false, errors: [mrsError("INVALID_PAYLOAD", "", "invalid payload")], warnings: [] };
}

/** Parses raw JSON text (E1 `INVALID_JSON`, E11 `PAYLOAD_TOO_LARGE`), safely (E12). */
export function parseRegistration(text: string | Uint8Array): ValidationResult<unknown> {
  const s = typeof text === "string" ? text : new TextDecoder().decode(text);
  try {
    return { ok: true, value: JSON.parse(s), errors: [], warnings: [] };
  } catch {
    return { ok: false, errors: [mrsError("INVALID_JSON", "", "not JSON")], warnings: [] };
  }
}

/** Parses (when given text) and validates one {@link RegistrationInput}. */
export function checkRegistration(input: RegistrationInput): ValidationResult<RegistrationPayload> {
  if ("errors" in input) return { ok: false, errors: input.errors, warnings: [] };
  if ("text" in input) {
    const parsed = parseRegistration(input.text);
    return parsed.ok ? validateRegistration(parsed.value) : parsed;
  }
  return validateRegistration(input.payload);
}

/** A compiled validator for one JSON Schema (cached by content). */
export interface SchemaValidator {
  check(value: unknown, code: "INPUT_INVALID" | "OUTPUT_INVALID"): InstanceCheck;
}

/** Compiles a capability schema once, cached by its content. */
export function compileSchema(_schema: object): SchemaValidator {
  return {
    check: (_value, _code): InstanceCheck => ({ valid: true }),
  };
}

export type { MrsError };
