// `@rune/mrs-adapter-http`: the server side. The client side has entries of its own, which load
// no fastify: `/client` (mrsClient, and the types of the API's answers), `/store` (httpStore),
// `/url-source` (urlSource, servePayload).
export type { TokenGrant } from "./auth.js";
export type { TerminalEvent } from "./events.js";
export { MrsMetrics, type MrsMetricsOptions, mrsMetrics, type RegistrationVia } from "./metrics.js";
export {
  MAX_BODY_BYTES,
  MAX_CHANGES_PAGE,
  MAX_DECISIONS_PAGE,
  MAX_STORE_BODY_BYTES,
  type MrsHttpApiOptions,
} from "./options.js";
export { mrsHttpApi } from "./plugin.js";
export { createMrsServer, type MrsServerOptions } from "./server.js";
