import type { CatalogData, CommitResult, RegistryStore, StoreSnapshot } from "@rune/mrs-core";

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** A snapshot to start from (tests, or a catalog loaded elsewhere). */
  readonly initial?: StoreSnapshot;
}

/**
 * A store in this process's memory: the reference implementation of `RegistryStore`. Nothing
 * survives the process; use it for tests, embedding, and a LOM whose catalog is rebuilt by
 * discovery at every start.
 *
 * Data is copied in and out (`structuredClone`), so callers can never change what is stored
 * behind the store's back, as with a real backend.
 *
 * @example
 * const registry = createRegistry({ store: memoryStore() });
 */
export function memoryStore(options: MemoryStoreOptions = {}): RegistryStore {
  let current: StoreSnapshot | null = options.initial ? structuredClone(options.initial) : null;
  return {
    name: "memory",
    async load() {
      return current === null ? null : structuredClone(current);
    },
    async commit(expected: number | null, data: CatalogData): Promise<CommitResult> {
      if ((current?.revision ?? null) !== expected) return { ok: false, conflict: true };
      current = { revision: (current?.revision ?? 0) + 1, data: structuredClone(data) };
      return { ok: true, revision: current.revision };
    },
  };
}
