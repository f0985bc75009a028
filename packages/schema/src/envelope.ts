import Type, { type Static } from "typebox";
import {
  DESCRIPTION_MAX_LENGTH,
  EXTENSION_PATTERN,
  MAX_CAPABILITIES,
  MIN_CAPABILITIES,
  NAME_MAX_LENGTH,
  NAME_PATTERN,
  SEMVER_PATTERN,
  UTC_TIMESTAMP_PATTERN,
  VERSION_MAX_LENGTH,
} from "./patterns.js";

/** Every object of the envelope: closed (E2) except for `x-` vendor extensions. */
const closed = { additionalProperties: false, patternProperties: { [EXTENSION_PATTERN]: {} } } as const;

/** E3/E7: the one form shared by module and action names. */
const nameOptions = { minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN } as const;

/**
 * A JSON Schema object whose root describes an object (RULES.md E9). The envelope checks only
 * the root `type`; the core checks the rest against the JSON Schema meta-schema.
 */
export interface ObjectJsonSchema {
  type: "object";
  [keyword: string]: unknown;
}

/**
 * E9 (root only): `input_schema` / `output_schema` are JSON Schema objects with `"type": "object"`.
 * Whether the rest is valid JSON Schema (E9), uses only local references (E10) and stays within
 * the limits (E11) is for `validateRegistration` of `@rune/mrs-core`.
 */
export const ObjectJsonSchema = Type.Unsafe<ObjectJsonSchema>({
  title: "ObjectJsonSchema",
  description: 'A JSON Schema (draft 2020-12, or draft-07 when its $schema says so) whose root has "type": "object".',
  type: "object",
  required: ["type"],
  properties: { type: { const: "object" } },
});

/** E3/E7: a module or action name: 1-64 lowercase letters and digits, words joined by `-` or `_`. */
export const Name = Type.String({
  ...nameOptions,
  title: "Name",
  description: "Lowercase letters and digits, words joined by single - or _, starting with a letter.",
});

/** `registration_metadata`: who the module is (E3, E4, E5). */
export const RegistrationMetadata = Type.Object(
  {
    module_name: Type.String({ ...nameOptions, description: "Unique, lowercase identifier of the module (MRS-E3)." }),
    module_version: Type.String({
      minLength: 5,
      maxLength: VERSION_MAX_LENGTH,
      pattern: SEMVER_PATTERN,
      description: "Strict SemVer 2.0.0 version of the module, without a leading v (MRS-E4).",
    }),
    registered_at: Type.String({
      format: "date-time",
      pattern: UTC_TIMESTAMP_PATTERN,
      description: "RFC 3339 timestamp in UTC, ending in Z (MRS-E5).",
    }),
  },
  {
    ...closed,
    title: "RegistrationMetadata",
    description: "Who the module is: its name, version and when it registered.",
  },
);

/** One action the module supports (E7, E8, E9). */
export const Capability = Type.Object(
  {
    action: Type.String({ ...nameOptions, description: "Action name, unique within the module (MRS-E7)." }),
    description: Type.String({
      minLength: 1,
      maxLength: DESCRIPTION_MAX_LENGTH,
      description: "What the action does, at most 4,096 characters (MRS-E8).",
    }),
    input_schema: ObjectJsonSchema,
    output_schema: ObjectJsonSchema,
  },
  {
    ...closed,
    title: "Capability",
    description: "One action the module supports, with JSON Schemas of its input and output.",
  },
);

/** The registration payload a module hands the LOM (E1, E6). */
export const RegistrationPayload = Type.Object(
  {
    registration_metadata: RegistrationMetadata,
    capabilities: Type.Array(Capability, {
      minItems: MIN_CAPABILITIES,
      maxItems: MAX_CAPABILITIES,
      description: "The actions this module supports: 1 to 256 (MRS-E6).",
    }),
  },
  {
    ...closed,
    title: "RegistrationPayload",
    description: "A RUNE module's registration: its metadata and its capabilities.",
  },
);

/** Static type of {@link RegistrationMetadata}. */
export type RegistrationMetadata = Static<typeof RegistrationMetadata>;
/** Static type of {@link Capability}. */
export type Capability = Static<typeof Capability>;
/** Static type of {@link RegistrationPayload}. */
export type RegistrationPayload = Static<typeof RegistrationPayload>;
/** Static type of {@link Name}. */
export type Name = Static<typeof Name>;
