export * from "./errors.js";
export type * from "./model.js";
export { MAX_DECISIONS } from "./model.js";
export type * from "./registry-types.js";
export type * from "./source.js";
export type * from "./store.js";
export * from "./validate.js";
export type * from "./validation-types.js";
