import { type MrsError, MrsFailure, mrsError } from "../errors.js";
import type { InstanceCheck } from "../validation-types.js";
import {
  compileAccepted,
  compiledFor,
  contentKey,
  type EngineError,
  type EngineValidator,
  expandNestedErrors,
} from "./compiler.js";
import { type Dialect, dialectOf } from "./dialect.js";
import { MAX_INSTANCE_ERRORS, withErrorLimit } from "./error-limit.js";
import { findTooDeep } from "./json-depth.js";
import { ANALYSIS_BUDGET_MS, MAX_JSON_DEPTH } from "./limits.js";
import { child } from "./pointer.js";
import { checkSchema } from "./schema-rules.js";
import { passedRegistration } from "./schema-verdicts.js";
import type { SchemaObject } from "./schema-walk.js";

/** The code an instance check reports (RULES.md I1). */
export type InstanceCode = "INPUT_INVALID" | "OUTPUT_INVALID";

/** A compiled validator for one JSON Schema (cached by content). */
export interface SchemaValidator {
  /**
   * Checks an action's input or output (RULES.md I1, I2): `{ valid: true }`, or every fault
   * with `code`, rule `I1`, the instance path as `pointer`, and a message. Never throws.
   */
  check(value: unknown, code: InstanceCode): InstanceCheck;
}

const VALID: InstanceCheck = { valid: true };
const byIdentity = new WeakMap<object, SchemaValidator>();
const byEngineValidator = new WeakMap<EngineValidator, SchemaValidator>();

/**
 * Compiles a capability schema once, cached by its content (RULES.md I1): the same object, or
 * another with the same members in any order, gets the same validator back. Formats the
 * engine knows are checked (I2).
 *
 * The schema is checked first against the rules that keep compiling and checking safe (E9
 * meta-schema, E10 local references, E11 limits and regular expressions); a schema that fails
 * them throws an {@link MrsFailure} carrying the errors, with pointers from the schema's root.
 * The root may be of any type: `"type": "object"` is a rule of the envelope, not of the engine.
 *
 * @example
 * const validator = compileSchema({ type: "object", required: ["id"], properties: { id: { type: "string", format: "uuid" } } });
 * validator.check({ id: "nope" }, "INPUT_INVALID"); // { valid: false, errors: [{ code: "INPUT_INVALID", pointer: "/id", ... }] }
 */
export function compileSchema(schema: object): SchemaValidator {
  return compiledValidator(schema, false);
}

/**
 * {@link compileSchema} of a capability schema of the catalog, at its first check (I1): content
 * a registration passed compiles without the rules again. Found by the schema's JSON text among
 * the registration verdicts still held; a schema never registered pays that lookup for nothing,
 * which is why `compileSchema` of a caller's own content does not make it (about a tenth of
 * compiling a small schema, measured on case 3's restart-nomad output).
 */
export function compileRegisteredSchema(schema: object): SchemaValidator {
  return compiledValidator(schema, true);
}

function compiledValidator(schema: object, registered: boolean): SchemaValidator {
  const known = byIdentity.get(schema);
  if (known) return known;
  const key = contentKeyOf(schema);
  const engine =
    (key && compiledFor(key.dialect, key.key)) ||
    (key &&
      registered &&
      passedRegistration(schema) &&
      compileAccepted(schema as SchemaObject, key.dialect, key.key)) ||
    acceptedEngine(schema, key?.key);
  let validator = byEngineValidator.get(engine);
  if (!validator) {
    validator = wrap(engine);
    byEngineValidator.set(engine, validator);
  }
  byIdentity.set(schema, validator);
  return validator;
}

/**
 * The key a validator compiled before for the same content is kept under (the rules passed then,
 * and they depend on the content only); computed once, and handed to the rules on a miss.
 */
function contentKeyOf(schema: object): { dialect: Dialect; key: string } | undefined {
  const dialect = dialectOf(schema);
  if (dialect === undefined || findTooDeep(schema, MAX_JSON_DEPTH)) return undefined;
  return { dialect, key: contentKey(schema) };
}

function acceptedEngine(schema: object, key: string | undefined): EngineValidator {
  const report = checkSchema(schema, "", {
    requireObjectRoot: false,
    label: "schema",
    deadline: performance.now() + ANALYSIS_BUDGET_MS,
    // Compiled within the rules, which have walked the schema already; the compile below finds it.
    compileNow: true,
    ...(key === undefined ? {} : { key }),
  });
  if (!report.accepted) {
    throw new MrsFailure(
      report.errors.length > 0
        ? report.errors
        : [mrsError("INVALID_JSON_SCHEMA", "", "schema must be a JSON Schema object")],
    );
  }
  return compileAccepted(schema as SchemaObject, report.accepted.dialect, key);
}

function wrap(engine: EngineValidator): SchemaValidator {
  return {
    check(value: unknown, code: InstanceCode): InstanceCheck {
      const subject = code === "INPUT_INVALID" ? "input" : "output";
      try {
        if (engine.Check(value)) return VALID;
        const [, errors] = withErrorLimit(MAX_INSTANCE_ERRORS, () => engine.Errors(value));
        return { valid: false, errors: toInstanceErrors(expandNestedErrors(errors), code, subject) };
      } catch (error) {
        // A value nested deeper than the stack allows (or otherwise unreadable) is not valid input.
        const reason =
          error instanceof RangeError
            ? "it is nested too deeply"
            : error instanceof Error
              ? error.message
              : String(error);
        return { valid: false, errors: [mrsError(code, "", `${subject} could not be checked: ${reason}`)] };
      }
    },
  };
}

function toInstanceErrors(errors: readonly EngineError[], code: InstanceCode, subject: string): MrsError[] {
  // The engine reports an unexpected member twice: as a `false` subschema at the member and as
  // `additionalProperties` at its parent. The member's own pointer is the one to act on.
  const refusedMembers = new Set(
    errors
      .filter(
        (error) => error.keyword === "boolean" && /\/(?:additional|unevaluated)Properties$/.test(error.schemaPath),
      )
      .map((error) => error.instancePath),
  );
  const seen = new Set<string>();
  const result: MrsError[] = [];
  for (const error of errors) {
    let message: string;
    if (refusedMembers.has(error.instancePath) && error.keyword === "boolean") {
      message = `${subject} ${error.instancePath} is not allowed: the schema does not define this member`;
    } else if (error.keyword === "additionalProperties" || error.keyword === "unevaluatedProperties") {
      const members = (error.params as { additionalProperties?: unknown; unevaluatedProperties?: unknown })[
        error.keyword
      ];
      const listed = Array.isArray(members) ? members.map((member) => child(error.instancePath, String(member))) : [];
      if (listed.length > 0 && listed.every((pointer) => refusedMembers.has(pointer))) continue;
      message = `${subject}${error.instancePath ? ` ${error.instancePath}` : ""} ${error.message}`;
    } else if (error.keyword === "pattern") {
      // The engine runs patterns as objects on the linear engine; name the pattern as the schema wrote it.
      const pattern = (error.params as { pattern?: unknown }).pattern;
      const source = pattern instanceof RegExp ? pattern.source : String(pattern);
      message = `${subject}${error.instancePath ? ` ${error.instancePath}` : ""} must match pattern "${source}"`;
    } else {
      message = `${subject}${error.instancePath ? ` ${error.instancePath}` : ""} ${error.message}`;
    }
    const key = `${error.instancePath}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(mrsError(code, error.instancePath, message));
  }
  return result.length > 0 ? result : [mrsError(code, "", `${subject} does not match its schema`)];
}
