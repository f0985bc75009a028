import { Capability, ObjectJsonSchema, RegistrationMetadata, RegistrationPayload } from "./envelope.js";
import { deepFreeze, toPlainJson } from "./plain-json.js";
import { MRS_SPEC_VERSION } from "./spec-version.js";

/** The stable `$id` of the registration JSON Schema: it changes only with a new major MRS version. */
export const REGISTRATION_SCHEMA_ID = "https://rune.dev/schemas/mrs/v1/registration.schema.json";

/** The JSON Schema dialect of the registration JSON Schema. */
export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

/** The shape of {@link registrationJsonSchema}: a JSON Schema 2020-12 document. */
export interface RegistrationJsonSchema {
  readonly $schema: typeof JSON_SCHEMA_DIALECT;
  readonly $id: typeof REGISTRATION_SCHEMA_ID;
  readonly title: string;
  readonly description: string;
  readonly "x-mrs-spec-version": typeof MRS_SPEC_VERSION;
  readonly $defs: { readonly [name: string]: unknown };
  readonly [keyword: string]: unknown;
}

/** The named parts of the envelope, in the order they appear in `$defs`. */
const definitions = { RegistrationMetadata, Capability, ObjectJsonSchema } as const;

/**
 * Replaces every subschema equal to one of `definitions` with a `$ref` to it, so that the file
 * reads (and generates Go or Python types) by name; the meaning is the same as inlining.
 */
function factorDefinitions(node: unknown, isRoot: boolean, byJson: ReadonlyMap<string, string>): unknown {
  if (node === null || typeof node !== "object") return node;
  const name = isRoot ? undefined : byJson.get(JSON.stringify(node));
  if (name !== undefined) return { $ref: `#/$defs/${name}` };
  if (Array.isArray(node)) return node.map((item) => factorDefinitions(item, false, byJson));
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, factorDefinitions(value, false, byJson)] as const),
  );
}

/** Builds the document from the TypeBox envelope: the single source of both. */
function buildRegistrationJsonSchema(): RegistrationJsonSchema {
  const plain = Object.entries(definitions).map(([name, schema]) => [name, toPlainJson(schema)] as const);
  const byJson = new Map(plain.map(([name, schema]) => [JSON.stringify(schema), name]));
  const {
    title: _title,
    description: _description,
    ...root
  } = factorDefinitions(toPlainJson(RegistrationPayload), true, byJson) as Record<string, unknown>;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: REGISTRATION_SCHEMA_ID,
    title: "RUNE MRS registration payload",
    description:
      "A RUNE module's registration payload (Module Registration Specification, MRS). This document checks the envelope rules E1-E8 of the MRS reference implementation; unique action names (E7) and the validity, references and limits of the capability schemas (E9-E11) are checked by validateRegistration of @rune/mrs-core.",
    $comment: "Generated from the TypeBox source of @rune/mrs-schema; do not edit by hand.",
    "x-mrs-spec-version": MRS_SPEC_VERSION,
    ...root,
    $defs: Object.fromEntries(plain.map(([name, schema]) => [name, factorDefinitions(schema, true, byJson)])),
  };
}

/**
 * The registration payload as a plain, self-contained JSON Schema 2020-12 document: the same
 * file as `@rune/mrs-schema/registration.schema.json`, for any JSON Schema validator. Frozen.
 *
 * @example
 * ```ts
 * import Ajv2020 from "ajv/dist/2020.js";
 * import addFormats from "ajv-formats";
 * import { registrationJsonSchema } from "@rune/mrs-schema";
 *
 * const ajv = new Ajv2020({ allErrors: true });
 * ajv.addKeyword("x-mrs-spec-version");
 * addFormats(ajv);
 * const validate = ajv.compile(registrationJsonSchema);
 * ```
 */
export const registrationJsonSchema: RegistrationJsonSchema = deepFreeze(buildRegistrationJsonSchema());
