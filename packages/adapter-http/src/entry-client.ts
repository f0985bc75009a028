// `@rune/mrs-adapter-http/client`: a typed client of the MRS HTTP API, and the shapes it reads.
// It loads no fastify (a test of tooling/consumer holds it to that): a module or a CLI that
// only calls a LOM does not pay for the server.
export {
  type ChangeEvent,
  type ClientAnswer,
  type ClientRegistration,
  type DecisionPage,
  FollowInterrupted,
  type FollowOptions,
  type Health,
  type HeartbeatAnswer,
  type KeepAlive,
  type MrsClient,
  type MrsClientOptions,
  mrsClient,
} from "./client.js";
export type {
  ActionView,
  CapabilityView,
  DecisionView,
  ErrorItem,
  LeaseView,
  ModuleView,
  RegistrationAnswer,
  SessionView,
} from "./schemas.js";
export { actionView, capabilityView, moduleView } from "./views.js";
