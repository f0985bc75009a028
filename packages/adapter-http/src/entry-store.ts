// `@rune/mrs-adapter-http/store`: a `RegistryStore` that is another LOM's store, over its HTTP
// API. It loads no fastify.
export { type HttpStoreOptions, httpStore } from "./http-store.js";
