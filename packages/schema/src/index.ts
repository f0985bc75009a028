export {
  type ActionDefinition,
  type ActionDefinitions,
  type ActionHandler,
  type ActionInput,
  type ActionOutput,
  type DefinedModule,
  defineModule,
  type Extensions,
  type ModuleDefinition,
  type ModuleHandlers,
  type ObjectSchema,
} from "./define-module.js";
export { Capability, Name, ObjectJsonSchema, RegistrationMetadata, RegistrationPayload } from "./envelope.js";
export {
  JSON_SCHEMA_DIALECT,
  REGISTRATION_SCHEMA_ID,
  type RegistrationJsonSchema,
  registrationJsonSchema,
} from "./json-schema.js";
export { ModuleDefinitionError, type ModuleDefinitionIssue } from "./module-definition-error.js";
export * from "./patterns.js";
export { MRS_SPEC_VERSION } from "./spec-version.js";
