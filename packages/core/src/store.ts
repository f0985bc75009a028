import type { Change, RevisionedChange } from "./changes.js";
import type { CatalogData } from "./model.js";

/** What a store holds, with the revision of the last change in it. */
export interface StoreSnapshot {
  /**
   * The revision of the last change applied (RULES.md R1): it grows by one per change and is
   * never reused. `0` is an empty store; a store that holds a session has a revision of 1 or more.
   */
  readonly revision: number;
  /** The state after every change up to `revision`. The caller owns it and may change it. */
  readonly data: CatalogData;
}

/** The answer to a commit: appended (with the revision of its last change), or refused because another writer went first. */
export type CommitResult =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly conflict: true };

/** The changes after a revision, or the news that the store no longer keeps them (R3). */
export type ChangesPage =
  | {
      readonly ok: true;
      /** In revision order, consecutive, starting right after the `since` asked for. */
      readonly changes: readonly RevisionedChange[];
      /** The store's latest revision when it answered: more changes follow when it is beyond the last one returned. */
      readonly revision: number;
    }
  | {
      readonly ok: false;
      /** `since` is older than the oldest change kept: read the state again with {@link RegistryStore.load}. */
      readonly compacted: true;
      /** The oldest revision whose change the store still holds (a `since` of `oldest - 1` or later is answered). */
      readonly oldest: number;
    };

/** How many changes every store keeps at least, for readers that follow it (RULES.md R3). */
export const MIN_CHANGES_KEPT = 10_000;

/**
 * Where a registry keeps its session and catalog: memory, a file, another LOM over HTTP, a
 * database. Implemented by the adapters; the core never does I/O itself.
 *
 * The contract is a log of changes with revisions (RULES.md R1), appended by compare-and-set:
 * a registry decides on the state at the revision it holds and commits only what changed; if
 * another writer (a second LOM on the same store) went first, the commit is refused, the
 * registry reads the changes since its revision, and decides again. So a commit costs what it
 * changes, never the size of the catalog. `@rune/mrs-testkit` checks every part of this contract.
 *
 * A store signals failure by throwing (or rejecting); the registry turns that into
 * `STORE_UNAVAILABLE` (RULES.md S11). A store that throws an `MrsFailure` keeps its codes
 * (for example `STORE_CORRUPT`).
 */
export interface RegistryStore {
  /** A short name for logs and errors: `memory`, `file`, `http`, `postgres`. */
  readonly name: string;
  /** The latest state and its revision, or `null` when the store holds no session yet (revision 0). */
  load(): Promise<StoreSnapshot | null>;
  /**
   * Appends `changes` if and only if the store's revision is still `expected` (`0`: the store
   * must be empty). All or nothing: the changes take revisions `expected + 1` to
   * `expected + changes.length`, and resolve once durable; a failure leaves nothing of them.
   */
  commit(expected: number, changes: readonly Change[]): Promise<CommitResult>;
  /**
   * The changes with a revision above `since`, oldest first, at most `limit` of them (the store
   * may return fewer; default: all it has). Changes committed by every writer of the backing
   * store, this handle's own included.
   */
  changesSince(since: number, limit?: number): Promise<ChangesPage>;
  /**
   * Optional: `true` when the store writes each commit as JSON text with `changesJson` (a journal
   * record, a request body). The registry then keeps the text it already wrote of each payload it
   * commits, from the decision to the end of the commit, so that the store does not write it
   * again. A store that keeps values (memory) leaves it unset: nothing is kept, since holding
   * 10,000 payloads' text through one commit costs the garbage collector more than it saves
   * (measured: a 10,000-module session on the memory store, 2.09x against 1.72x its validation).
   */
  readonly writesJson?: boolean;
  /**
   * Optional: calls `onChange` with the store's new revision when another writer (another handle
   * or process on the same backing) committed. Returns an unsubscribe function.
   */
  watch?(onChange: (revision: number) => void): () => void;
  /**
   * Optional: tells the other handles on the same backing (other LOMs) that `module` heartbeated
   * (RULES.md L6: a heartbeat sent to any LOM renews the lease for all). Not durable and not a
   * change: a lease deadline is no part of the catalog.
   */
  publishHeartbeat?(module: string): Promise<void>;
  /** Optional: calls `onBeat` for the heartbeats other handles published. Returns an unsubscribe function. */
  watchHeartbeats?(onBeat: (module: string) => void): () => void;
  /** Optional: releases handles, timers, connections. */
  close?(): Promise<void>;
}
