import { type BigIntStats, promises as fs, mkdirSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import {
  type CatalogData,
  type CommitResult,
  MrsFailure,
  mrsError,
  type RegistryStore,
  type StoreSnapshot,
} from "@rune/mrs-core";
import { decodeCatalog, encodeCatalog } from "./catalog-format.js";
import { replaceBackup, syncFolder, writeFlushed } from "./durable-write.js";
import { acquireLock } from "./file-lock.js";
import { watchFolder } from "./folder-watch.js";
import { errorCode } from "./fs-errors.js";
import { removeLeftovers, tempSibling } from "./temp-files.js";

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /**
   * The catalog file (the LOM's default is `.lom/catalog.json`), relative to the working
   * folder or absolute. Missing parent folders are created on the first commit. Beside it live
   * `FILE.bak` (the previous good version), `FILE.lock` while a commit runs, and short-lived
   * hidden temporary files.
   */
  readonly path: string;
  /** How long a commit waits while another process holds the lock, then fails. Default 10,000 ms. */
  readonly lockTimeoutMs?: number;
  /**
   * A lock held from another host (a shared network folder) counts as abandoned once it has
   * not been refreshed for this long. Locks of this host are checked by process id instead,
   * and taken over as soon as their owner is dead. Default 30,000 ms.
   */
  readonly staleLockMs?: number;
  /** Offer `watch`, so a registry notices commits of other processes. Default `true`. */
  readonly watch?: boolean;
  /** How long the file must be quiet before watchers are told of a change. Default 50 ms. */
  readonly watchDebounceMs?: number;
}

/** A {@link RegistryStore} in one JSON file. */
export interface FileStore extends RegistryStore {
  /** The catalog file, as an absolute path. */
  readonly path: string;
}

/** The catalog file as this handle last read or wrote it. */
interface KnownFile {
  /** Identity of the file's version: device, inode, size and times. Any replace or edit changes it. */
  readonly id: string;
  readonly revision: number;
  /** Its permission bits, kept across our replacements. */
  readonly mode: number;
}

/**
 * A store that keeps the catalog (the session, the accepted registrations, the decisions) in
 * one JSON file, for a LOM on one machine or several LOMs sharing the file.
 *
 * - Atomic: a commit writes a temporary file beside the catalog, flushes it, renames it over
 *   the catalog and flushes the folder; a reader sees the old version or the new one, never a
 *   mix, and a crash at any moment leaves a file that loads.
 * - Locked across processes (`FILE.lock`): a commit takes the lock, re-reads the revision on
 *   disk, compares, writes, releases. A second writer waits (up to `lockTimeoutMs`, then a
 *   clear `STORE_UNAVAILABLE`).
 * - Nothing is lost: a file that does not parse, or is of another format or format version, is
 *   refused by `load` and `commit` with `STORE_CORRUPT` naming the file and what is wrong, and
 *   is never written over. Before each replace, the previous good version becomes `FILE.bak`.
 *
 * @example
 * import { createRegistry } from "@rune/mrs-core";
 * import { fileStore } from "@rune/mrs-adapter-file";
 * const registry = createRegistry({ store: fileStore({ path: ".lom/catalog.json" }) });
 * await registry.start();
 */
export function fileStore(options: FileStoreOptions): FileStore {
  const file = resolve(options.path);
  const folder = dirname(file);
  const backup = `${file}.bak`;
  const lockPath = `${file}.lock`;
  const lockOptions = { timeoutMs: options.lockTimeoutMs ?? 10_000, staleMs: options.staleLockMs ?? 30_000 };
  const debounceMs = options.watchDebounceMs ?? 50;
  let known: KnownFile | null = null;
  /** Identity of the version this handle wrote last: a change notice for it is our own write. */
  let written: string | null = null;
  let cleaned = false;
  const unwatchers = new Set<() => void>();

  /** Reads and checks the whole file; null when there is none (and no orphaned backup). */
  async function read(): Promise<{ snapshot: StoreSnapshot; known: KnownFile } | null> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, "r");
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      await refuseOrphanedBackup();
      return null;
    }
    try {
      // Stat and read through one handle: the identity is that of the very bytes we parse.
      const stat = await handle.stat({ bigint: true });
      const decoded = decodeCatalog(await handle.readFile("utf8"));
      if (!decoded.ok) throw await corrupt(`the catalog file ${file} cannot be read: ${decoded.problem}`);
      const revision = decoded.snapshot.revision;
      return { snapshot: decoded.snapshot, known: { id: identity(stat), revision, mode: modeOf(stat) } };
    } finally {
      await handle.close();
    }
  }

  /**
   * The file is gone but its backup is there: someone removed it. Starting an empty catalog
   * would replace that backup at the second commit, so refuse and say how to recover.
   */
  async function refuseOrphanedBackup(): Promise<void> {
    if (!(await exists(backup))) return;
    throw new MrsFailure([
      mrsError("STORE_CORRUPT", "", `the catalog file ${file} is missing, but its backup ${backup} exists`, {
        hint: `restore the backup (copy ${backup} to ${file}), or delete the backup to start an empty catalog`,
      }),
    ]);
  }

  async function corrupt(message: string): Promise<MrsFailure> {
    const hint = (await exists(backup))
      ? `the file was left untouched; the last good copy is ${backup}: move the damaged file aside, then copy the backup to ${file}`
      : "the file was left untouched and has no backup yet: repair it, or move it aside to start an empty catalog";
    return new MrsFailure([mrsError("STORE_CORRUPT", "", message, { hint })]);
  }

  /** The revision on disk now (under the lock): from memory when the file is the one we know. */
  async function current(): Promise<KnownFile | null> {
    let stat: BigIntStats;
    try {
      stat = await fs.stat(file, { bigint: true });
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      await refuseOrphanedBackup();
      return null;
    }
    // Unchanged since we last read or wrote it (no writer can replace it while we hold the
    // lock): no need to parse megabytes again to learn a revision we already know.
    if (known?.id === identity(stat)) return known;
    known = (await read())?.known ?? null;
    return known;
  }

  const store: FileStore = {
    name: "file",
    path: file,

    async load(): Promise<StoreSnapshot | null> {
      const result = await read();
      known = result?.known ?? null;
      return result?.snapshot ?? null;
    },

    async commit(expected: number | null, data: CatalogData): Promise<CommitResult> {
      const created = await fs.mkdir(folder, { recursive: true });
      // A folder we just created is itself only durable once its parent is flushed.
      if (created !== undefined) await syncFolder(dirname(created));
      const lock = await acquireLock(lockPath, lockOptions);
      try {
        // Under the lock no writer of this store is mid-write: any temporary file is a crash's.
        if (!cleaned || lock.tookOver) {
          await removeLeftovers(file);
          cleaned = true;
        }
        const now = await current();
        if ((now?.revision ?? null) !== expected) return { ok: false, conflict: true };
        const revision = (now?.revision ?? 0) + 1;
        const temp = tempSibling(file);
        await writeFlushed(temp, encodeCatalog(revision, data), now?.mode);
        try {
          if (now !== null) await replaceBackup(file, backup);
          await lock.verify();
          await fs.rename(temp, file);
        } catch (error) {
          await fs.rm(temp, { force: true });
          throw error;
        }
        await syncFolder(folder);
        const stat = await fs.stat(file, { bigint: true });
        known = { id: identity(stat), revision, mode: modeOf(stat) };
        written = known.id;
        return { ok: true, revision };
      } finally {
        await lock.release();
      }
    },

    close: async () => {
      for (const unwatch of unwatchers) unwatch();
      unwatchers.clear();
    },
  };

  if (options.watch === false) return store;
  return Object.assign(store, {
    watch(onChange: () => void): () => void {
      // The folder, not the file: every commit replaces the file (a new inode), which would end
      // a watch on the file itself after the first change.
      try {
        mkdirSync(folder, { recursive: true });
      } catch {
        // Unwritable parent: watchFolder below watches nothing, and commits will say why.
      }
      const name = basename(file);
      const stop = watchFolder(
        folder,
        (changed) => changed === null || changed === name,
        debounceMs,
        () =>
          void fs.stat(file, { bigint: true }).then(
            (stat) => {
              if (identity(stat) !== written) onChange();
            },
            () => undefined,
          ),
      );
      unwatchers.add(stop);
      return () => {
        stop();
        unwatchers.delete(stop);
      };
    },
  });
}

function identity(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

function modeOf(stat: BigIntStats): number {
  return Number(stat.mode & 0o777n);
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
}
