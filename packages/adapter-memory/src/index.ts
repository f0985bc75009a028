export { type MemoryEntry, type MemorySource, memorySource } from "./memory-source.js";
export { type MemoryStoreOptions, memoryStore } from "./memory-store.js";
