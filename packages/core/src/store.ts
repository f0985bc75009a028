import type { CatalogData } from "./model.js";

/** What a store holds, with the revision that a later {@link RegistryStore.commit} must name. */
export interface StoreSnapshot {
  /** Increases by one on every commit; `0` is never used. */
  readonly revision: number;
  readonly data: CatalogData;
}

/** The answer to a commit: written (with the new revision), or refused because another writer went first. */
export type CommitResult =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly conflict: true };

/**
 * Where a registry keeps its session and catalog: memory, a file, another LOM over HTTP, a
 * database. Implemented by the adapters; the core never does I/O itself.
 *
 * The contract is compare-and-set on a whole snapshot, so several writers (two LOMs on one
 * file, many clients of one HTTP store) can work safely: the registry reads, decides, and
 * commits naming the revision it read; on a conflict it reads again and decides again.
 * `@rune/mrs-testkit` checks every part of this contract.
 *
 * A store signals failure by throwing (or rejecting); the registry turns that into
 * `STORE_UNAVAILABLE` (RULES.md S11). A store that throws an `MrsFailure` keeps its codes
 * (for example `STORE_CORRUPT`).
 */
export interface RegistryStore {
  /** A short name for logs and errors: `memory`, `file`, `http`. */
  readonly name: string;
  /** The latest snapshot, or `null` when the store holds no session yet. */
  load(): Promise<StoreSnapshot | null>;
  /**
   * Writes `data` if and only if the stored revision is still `expected` (`null`: the store must
   * be empty). Resolves once the write is durable. Never leaves a half-written state.
   */
  commit(expected: number | null, data: CatalogData): Promise<CommitResult>;
  /** Optional: calls `onChange` when another writer changed the store. Returns an unsubscribe function. */
  watch?(onChange: () => void): () => void;
  /** Optional: releases handles, timers, connections. */
  close?(): Promise<void>;
}
