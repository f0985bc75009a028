export { type FaultPlan, faultyStore } from "./faults.js";
export { sampleCatalog, sampleChanges, samplePayload, trickyPayload } from "./fixtures.js";
export { type SourceCheck, type SourceEntry, type SourceFactory, sourceChecks, testSource } from "./source-suite.js";
export {
  type StoreCheck,
  type StoreFactory,
  type StoreSuiteOptions,
  storeChecks,
  testStore,
} from "./store-suite.js";
