export type { TokenGrant } from "./auth.js";
export {
  type ChangeEvent,
  type ClientAnswer,
  type ClientRegistration,
  type DecisionPage,
  FollowInterrupted,
  type FollowOptions,
  type Health,
  type MrsClient,
  type MrsClientOptions,
  mrsClient,
} from "./client.js";
export type { TerminalEvent } from "./events.js";
export { type HttpStoreOptions, httpStore } from "./http-store.js";
export { MrsMetrics, type MrsMetricsOptions, mrsMetrics, type RegistrationVia } from "./metrics.js";
export {
  MAX_BODY_BYTES,
  MAX_CHANGES_PAGE,
  MAX_DECISIONS_PAGE,
  MAX_STORE_BODY_BYTES,
  type MrsHttpApiOptions,
  mrsHttpApi,
} from "./plugin.js";
export type {
  ActionView,
  CapabilityView,
  DecisionView,
  ErrorItem,
  ModuleView,
  RegistrationAnswer,
  SessionView,
} from "./schemas.js";
export { type ServedPayload, type ServePayloadOptions, servePayload } from "./serve-payload.js";
export { createMrsServer, type MrsServerOptions } from "./server.js";
export { type UrlSourceOptions, urlSource } from "./url-source.js";
export { actionView, capabilityView, moduleView } from "./views.js";
