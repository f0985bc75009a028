export {
  Capability,
  Name,
  ObjectJsonSchema,
  RegistrationMetadata,
  RegistrationPayload,
} from "./envelope.js";
export * from "./patterns.js";
