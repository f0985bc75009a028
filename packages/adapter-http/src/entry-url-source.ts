// `@rune/mrs-adapter-http/url-source`: both ends of a pull. `urlSource` is the LOM's
// `RegistrationSource` that fetches payloads from module URLs; `servePayload` is the module's
// side, serving its payload at such a URL (node:http only). It loads no fastify.
export { type ServedPayload, type ServePayloadOptions, servePayload } from "./serve-payload.js";
export { type UrlSourceOptions, urlSource } from "./url-source.js";
