export { changesJson } from "./change-json.js";
export { applyChanges, CHANGE_TYPES, type Change, emptyCatalog, eventOf, type RevisionedChange } from "./changes.js";
export * from "./compat/index.js";
export type { CompatibilityPolicy } from "./decide.js";
export {
  ERROR_CODES,
  type ErrorCode,
  type MrsError,
  MrsFailure,
  type MrsWarning,
  mrsError,
  mrsWarning,
  type RuleId,
  WARNING_CODES,
  type WarningCode,
} from "./errors.js";
export { freezeDeep } from "./frozen.js";
export { DEFAULT_LEASE_BOUNDS, type LeaseBounds } from "./leases.js";
export type * from "./model.js";
export { MAX_DECISIONS } from "./model.js";
export { createRegistry } from "./registry.js";
export type * from "./registry-types.js";
export type * from "./source.js";
export {
  type ChangesPage,
  type CommitResult,
  MIN_CHANGES_KEPT,
  type RegistryStore,
  type StoreSnapshot,
} from "./store.js";
export * from "./validate.js";
export type * from "./validation-types.js";
export { MAX_VERIFY_ERRORS, type VerifyChangesOptions, verifyChanges } from "./verify-changes.js";
