export { Capability, Name, ObjectJsonSchema, RegistrationMetadata, RegistrationPayload } from "./envelope.js";
export {
  JSON_SCHEMA_DIALECT,
  REGISTRATION_SCHEMA_ID,
  type RegistrationJsonSchema,
  registrationJsonSchema,
} from "./json-schema.js";
export * from "./patterns.js";
export { MRS_SPEC_VERSION } from "./spec-version.js";
