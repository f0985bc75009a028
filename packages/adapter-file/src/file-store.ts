import { type BigIntStats, promises as fs, mkdirSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import {
  type CatalogData,
  CHANGE_TYPES,
  type Change,
  type ChangesPage,
  type CommitResult,
  MIN_CHANGES_KEPT,
  MrsFailure,
  mrsError,
  type RegistryStore,
  type RevisionedChange,
  type StoreSnapshot,
} from "@rune/mrs-core";
import {
  CATALOG_FORMAT_VERSION,
  type DecodedSnapshot,
  decodeSnapshot,
  encodeSnapshot,
  readSnapshotHead,
} from "./catalog-format.js";
import { replaceBackup, syncFolder, writeFlushed } from "./durable-write.js";
import { acquireLock, type FileLock } from "./file-lock.js";
import { watchFolder } from "./folder-watch.js";
import { errorCode } from "./fs-errors.js";
import {
  decodeJournalHeader,
  decodeRecord,
  encodeJournalHeader,
  encodeRecord,
  type RecordRef,
  type ScanResult,
  scanRecords,
} from "./journal-format.js";
import { Replay } from "./replay.js";
import { removeLeftovers, tempSibling } from "./temp-files.js";

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /**
   * The snapshot file (the LOM's default is `.lom/catalog.json`), relative to the working folder
   * or absolute. Missing parent folders are created on the first commit. Beside it live
   * `FILE.journal` (the changes since, one line per commit), `FILE.journal.prev` (the previous
   * journal segment, kept for readers), `FILE.bak` (the previous snapshot), `FILE.lock` while a
   * commit runs, and short-lived hidden temporary files. See the README's "Files on disk".
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
  /** How long the files must be quiet before watchers are told of a change. Default 50 ms. */
  readonly watchDebounceMs?: number;
  /**
   * The journal is compacted into a new snapshot once the changes it holds after the snapshot
   * take more bytes than this and than half the snapshot. Default 1 MiB: a commit then costs
   * its own append, and a compaction's cost, spread over the commits, stays a small fraction.
   */
  readonly compactAfterBytes?: number;
  /**
   * How long after the commit that made it due a compaction runs. Default 100 ms. A compaction
   * never holds up a commit: the commit is durable once its journal record is flushed, and the
   * commits of the next moments (a start's discovery, a burst of registrations) are folded into
   * the same compaction. {@link FileStore.flush} and `close()` run a waiting compaction at once.
   */
  readonly compactDelayMs?: number;
}

/** What one handle did, since it was made: for tests, benchmarks and logs. */
export interface FileStoreStats {
  /** Commits this handle appended (one journal record and one `fsync` of the journal each). */
  readonly commits: number;
  /** The changes in those commits. */
  readonly changes: number;
  /** Commits refused because another writer had gone first (the caller's `expected` was stale). */
  readonly conflicts: number;
  /**
   * Every `fsync` this handle asked for, of files and folders: journal appends, a new journal
   * file, a cut torn tail, snapshots, backups, folders. Group commit shows here: many
   * registrations, few `fsync`s.
   */
  readonly fsyncs: number;
  /** Snapshots this handle wrote (compactions of the journal). */
  readonly compactions: number;
  /** Compactions that failed (the commit before them stood; the next try waits for more journal). */
  readonly compactionFailures: number;
  /** Torn tails (a crashed append's bytes) this handle cut off the journal. */
  readonly tornTailsCut: number;
  /** The store's latest revision as this handle last saw it. */
  readonly revision: number;
}

/** A {@link RegistryStore} in a folder: a snapshot file and a journal of changes beside it. */
export interface FileStore extends RegistryStore {
  /** The snapshot file, as an absolute path. */
  readonly path: string;
  /** The journal file (`path` + `.journal`), as an absolute path. */
  readonly journalPath: string;
  /** What this handle did: commits, `fsync`s, compactions. See {@link FileStoreStats}. */
  stats(): FileStoreStats;
  /**
   * Runs a compaction that waits for its delay now, and resolves once this handle has nothing
   * in flight: before copying the folder, or to see the files settled in a test.
   */
  flush(): Promise<void>;
  /** Stops watching and, like {@link FileStore.flush}, runs a waiting compaction and waits for what is in flight. */
  close(): Promise<void>;
}

/** A journal segment as this handle last read it: its records' places, never their changes. */
interface Segment {
  /** Device and inode: the same file across appends and renames. */
  readonly id: string;
  /** The revision of its first record (from its header line): its first record, or the next one. */
  readonly first: number;
  readonly records: RecordRef[];
  /** The offset just past its last whole record. */
  end: number;
  /** The revision of its last record (`first - 1` when it holds none). */
  head: number;
  readonly mode: number;
  /**
   * Whether its records were read. The previous segment is read only when a reader asks for
   * changes that old: until then only its header is, and its head is the current one's first - 1.
   */
  scanned: boolean;
}

/** The snapshot file as this handle last read it. */
interface KnownSnapshot {
  /** Device, inode, size and times: any replace or edit changes it. */
  readonly id: string;
  readonly revision: number;
  readonly size: number;
  readonly mode: number;
  readonly version: number;
}

/** Raised when a segment was renamed or removed between two reads without the lock: read again. */
class Moved extends Error {}

/** A journal since the snapshot of more than half the snapshot's bytes is compacted. */
const SNAPSHOT_SHARE = 0.5;
/** The most bytes of records read at once when replaying or answering `changesSince`. */
const READ_CHUNK = 4 * 1024 * 1024;
/** Reads without the lock that raced another writer's compaction are tried again this often. */
const UNLOCKED_ATTEMPTS = 4;

/**
 * A store that keeps the catalog (the session, the accepted registrations, the decisions) as a
 * snapshot file and a journal of the changes since, for a LOM on one machine or several LOMs
 * sharing the folder. A commit costs what it changes (RULES.md R1): one appended line and one
 * `fsync`, whatever the size of the catalog.
 *
 * - Durable: a commit appends one record (a line with a CRC-32) to the journal and flushes it
 *   before it resolves. A crash in the middle of an append leaves a torn tail, which the next
 *   load or commit cuts off (under the lock); it is never applied.
 * - Compacted: once the journal since the snapshot outgrows half the snapshot, a new snapshot is
 *   written `compactDelayMs` after the commit that saw it, never inside a commit (temporary file,
 *   `fsync`, rename, folder `fsync`; the previous one becomes `FILE.bak`). The journal moves to `FILE.journal.prev` once it holds 10,000
 *   changes, so that `changesSince` always answers for at least the last 10,000 (R3).
 * - Locked across processes (`FILE.lock`): a commit takes the lock, reads the records other
 *   processes appended since its last look, compares revisions, appends, releases.
 * - Nothing is lost: a file that does not parse, is of another format or a newer version, or a
 *   damaged record with whole records after it, is refused with `STORE_CORRUPT` naming the file
 *   and what is wrong, and nothing is written.
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
  const journalPath = `${file}.journal`;
  const prevPath = `${file}.journal.prev`;
  const lockPath = `${file}.lock`;
  const lockOptions = { timeoutMs: options.lockTimeoutMs ?? 10_000, staleMs: options.staleLockMs ?? 30_000 };
  const debounceMs = options.watchDebounceMs ?? 50;
  const compactAfterBytes = Math.max(0, options.compactAfterBytes ?? 1024 * 1024);
  const compactDelayMs = Math.max(0, options.compactDelayMs ?? 100);

  /** The snapshot as last read; `null`: there is none; `undefined`: not looked at yet. */
  let snapshot: KnownSnapshot | null | undefined;
  /** Whether this handle has read a snapshot whole: then a newer one is learnt from its first bytes. */
  let snapshotChecked = false;
  let prev: Segment | null = null;
  let current: Segment | null = null;
  /** Compaction is not tried again, after a failure, until the journal since the snapshot is this long. */
  let compactRetryAt = 0;
  /** The timer of a compaction that a commit found due, while it waits for its delay. */
  let compactTimer: NodeJS.Timeout | null = null;
  let cleaned = false;
  const counts = {
    commits: 0,
    changes: 0,
    conflicts: 0,
    fsyncs: 0,
    compactions: 0,
    compactionFailures: 0,
    tornTailsCut: 0,
  };
  const synced = () => {
    counts.fsyncs += 1;
  };
  /** Watchers and the latest revision each was told of (or that this handle wrote itself). */
  const watchers = new Set<{ told: number }>();
  const unwatchers = new Set<() => void>();

  /** The bytes of a segment this handle read last, kept for the rest of one operation only. */
  let recent: { readonly id: string; readonly start: number; readonly bytes: Buffer } | null = null;

  // One operation of this handle at a time: they share what the handle knows of the files.
  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const body = () =>
      task().finally(() => {
        recent = null;
      });
    const run = queue.then(body, body);
    queue = run.catch(() => undefined);
    return run;
  }

  function head(): number {
    if (current !== null) return current.head;
    if (prev !== null) return prev.head;
    return snapshot?.revision ?? 0;
  }

  /** The oldest revision whose change is still held (the oldest segment's first). */
  function oldest(): number {
    return (prev ?? current)?.first ?? (snapshot?.revision ?? 0) + 1;
  }

  // ---- errors ---------------------------------------------------------------------------------

  async function corrupt(message: string): Promise<MrsFailure> {
    const hint = (await exists(backup))
      ? `nothing was written; the previous snapshot is ${backup}: move the damaged file aside (keep it), then copy the backup to ${file}; the journal replays the changes after it`
      : "nothing was written: repair the file, or move it aside (keep it) to start from what remains";
    return new MrsFailure([mrsError("STORE_CORRUPT", "", message, { hint })]);
  }

  function corruptJournal(path: string, problem: string, damagedAt?: number): MrsFailure {
    const hint =
      damagedAt === undefined
        ? `nothing was written: repair ${path} or move it aside (keep it); without a journal the store loads the snapshot ${file} alone`
        : `nothing was written: each line is a CRC-32 (hex), a space and a JSON record; repair the line at byte ${damagedAt}, or move ${path} aside (keep it) to load the snapshot ${file} alone, without the changes after it`;
    return new MrsFailure([mrsError("STORE_CORRUPT", "", `the journal ${path} cannot be read: ${problem}`, { hint })]);
  }

  // ---- the snapshot ---------------------------------------------------------------------------

  /**
   * The snapshot file, read whole and checked (a load, a compaction, a handle's first commit),
   * or null when there is none. Also what the handle knows of it from now on.
   */
  async function readSnapshot(): Promise<DecodedSnapshot | null> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, "r");
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      await refuseOrphanedBackup();
      snapshot = null;
      return null;
    }
    try {
      // Stat and read through one handle: the identity is that of the very bytes we parse.
      const stat = await handle.stat({ bigint: true });
      const decoded = decodeSnapshot(await handle.readFile("utf8"));
      if (!decoded.ok) throw await corrupt(`the catalog snapshot ${file} cannot be read: ${decoded.problem}`);
      const { revision } = decoded.decoded.snapshot;
      snapshot = {
        id: identity(stat),
        revision,
        size: Number(stat.size),
        mode: modeOf(stat),
        version: decoded.decoded.version,
      };
      snapshotChecked = true;
      return decoded.decoded;
    } finally {
      await handle.close();
    }
  }

  /**
   * What the handle knows of the snapshot, brought up to date from its identity: nothing read
   * when it is the version known; its first bytes when another writer replaced it by a newer one
   * (after this handle checked one whole); the whole file otherwise (`whole`: a commit's).
   */
  async function refreshSnapshot(whole: boolean): Promise<void> {
    let stat: BigIntStats;
    try {
      stat = await fs.stat(file, { bigint: true });
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      await refuseOrphanedBackup();
      snapshot = null;
      return;
    }
    if (snapshot?.id === identity(stat)) return;
    if (whole && !snapshotChecked) {
      await readSnapshot();
      return;
    }
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, "r");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return refreshSnapshot(whole); // replaced between the stat and the open
      throw error;
    }
    try {
      const seen = await handle.stat({ bigint: true });
      const start = Buffer.alloc(160);
      const { bytesRead } = await handle.read(start, 0, start.length, 0);
      const known = readSnapshotHead(start.toString("latin1", 0, bytesRead));
      if (known === null) {
        // Not as this package writes it: read it whole, which says what is wrong (or accepts it).
        await handle.close().catch(() => undefined);
        await readSnapshot();
        return;
      }
      snapshot = {
        id: identity(seen),
        revision: known.revision,
        size: Number(seen.size),
        mode: modeOf(seen),
        version: known.version,
      };
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /**
   * The snapshot is gone but its backup is there: someone removed it. Going on would replace the
   * backup at the next compaction, so refuse and say how to recover.
   */
  async function refuseOrphanedBackup(): Promise<void> {
    if (!(await exists(backup))) return;
    throw new MrsFailure([
      mrsError("STORE_CORRUPT", "", `the catalog snapshot ${file} is missing, but its backup ${backup} exists`, {
        hint: `restore the backup (copy ${backup} to ${file}; the journal replays the changes after it), or delete the backup to go on without a snapshot`,
      }),
    ]);
  }

  // ---- the journal ----------------------------------------------------------------------------

  /**
   * Brings what the handle knows of the journal up to date: the records other writers appended
   * since its last look (reading only the new bytes of a file it knows), or both segments anew
   * when the journal file is another one (a compaction moved it). Returns true when a torn tail
   * was found and left (only under the lock is it cut). Throws `STORE_CORRUPT` on damage.
   */
  async function refreshJournal(locked: boolean): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const handle = await openIfExists(journalPath);
      try {
        const stat = handle === null ? null : await handle.stat({ bigint: true });
        if (
          handle !== null &&
          stat !== null &&
          current !== null &&
          segmentId(stat) === current.id &&
          Number(stat.size) >= current.end
        ) {
          return await extend(current, handle, Number(stat.size), locked);
        }
        // A journal this handle does not know: read it whole, and the previous segment's header
        // (its records only when a reader needs them, or when there is no journal after it).
        const fresh = handle === null || stat === null ? null : await readSegment(journalPath, handle, stat);
        const older = await openIfExists(prevPath);
        let before: Segment | null = null;
        try {
          const olderStat = older === null ? null : await older.stat({ bigint: true });
          if (older !== null && olderStat !== null) {
            if (segmentId(olderStat) === fresh?.segment.id) {
              // Without the lock: another writer moved the journal between our two opens.
              if (!locked && attempt < UNLOCKED_ATTEMPTS) continue;
              // Under it, the same file under both names is what a crash between a compaction's
              // two renames leaves on a file system that lost their order: it is the journal.
            } else if (fresh === null) {
              before = (await readSegment(prevPath, older, olderStat)).segment;
            } else {
              before = await peekSegment(prevPath, older, olderStat, fresh.segment.first - 1);
            }
          }
        } finally {
          await older?.close();
        }
        if (before !== null && fresh !== null && before.first > fresh.segment.first) {
          // Without the lock, another writer may have moved the journal on between our two reads.
          if (!locked && attempt < UNLOCKED_ATTEMPTS) continue;
          throw corruptJournal(
            prevPath,
            `it begins at revision ${before.first}, after the journal ${journalPath} that should follow it (${fresh.segment.first})`,
          );
        }
        prev = before;
        current = fresh?.segment ?? null;
        const tail = fresh?.scan.tail ?? null;
        if (tail === null || fresh === null) return false;
        if (!locked) return true;
        await cutTail(fresh.segment);
        return false;
      } finally {
        await handle?.close();
      }
    }
  }

  /** Reads a segment file whole: its header, and where its records are. */
  async function readSegment(
    path: string,
    handle: fs.FileHandle,
    stat: BigIntStats,
  ): Promise<{ segment: Segment; scan: ScanResult }> {
    const bytes = await readRange(handle, 0, Number(stat.size));
    const header = decodeJournalHeader(bytes);
    if (!header.ok) throw corruptJournal(path, header.problem);
    const scan = scanRecords(bytes.subarray(header.length), header.length, header.first);
    if (scan.damaged !== null) throw corruptJournal(path, describeDamage(scan.damaged), scan.damaged.offset);
    if (path === prevPath && scan.tail !== null) {
      // A moved segment was whole when it moved: damage at its end is not a crash's.
      throw corruptJournal(prevPath, scan.tail.problem, scan.tail.offset);
    }
    const last = scan.records.at(-1);
    const segment: Segment = {
      id: segmentId(stat),
      first: header.first,
      records: scan.records,
      end: scan.end,
      head: last?.last ?? header.first - 1,
      mode: modeOf(stat),
      scanned: true,
    };
    recent = { id: segment.id, start: 0, bytes };
    return { segment, scan };
  }

  /** The previous segment's header only: where it begins. It ends where the journal begins. */
  async function peekSegment(path: string, handle: fs.FileHandle, stat: BigIntStats, head: number): Promise<Segment> {
    const start = await readRange(handle, 0, Math.min(Number(stat.size), 256));
    const header = decodeJournalHeader(start);
    if (!header.ok) throw corruptJournal(path, header.problem);
    return { id: segmentId(stat), first: header.first, records: [], end: 0, head, mode: modeOf(stat), scanned: false };
  }

  /** Reads the previous segment's records, when a reader needs changes that old. */
  async function scanPrevious(segment: Segment): Promise<void> {
    if (segment.scanned) return;
    const handle = await openSegment(segment);
    try {
      const read = await readSegment(prevPath, handle, await handle.stat({ bigint: true }));
      if (read.segment.first !== segment.first || read.segment.head !== segment.head) {
        throw corruptJournal(
          prevPath,
          `it holds revisions ${read.segment.first} to ${read.segment.head}, but the journal ${journalPath} begins at ${segment.head + 1}`,
        );
      }
      for (const record of read.segment.records) segment.records.push(record);
      segment.end = read.segment.end;
      segment.scanned = true;
    } finally {
      await handle.close();
    }
  }

  /** Reads the bytes appended to a known segment since the handle's last look. */
  async function extend(segment: Segment, handle: fs.FileHandle, size: number, locked: boolean): Promise<boolean> {
    if (size === segment.end) return false;
    const bytes = await readRange(handle, segment.end, size);
    recent = { id: segment.id, start: segment.end, bytes };
    const scan = scanRecords(bytes, segment.end, segment.head + 1);
    if (scan.damaged !== null) throw corruptJournal(journalPath, describeDamage(scan.damaged), scan.damaged.offset);
    for (const record of scan.records) segment.records.push(record);
    segment.end = scan.end;
    segment.head = scan.records.at(-1)?.last ?? segment.head;
    if (scan.tail === null) return false;
    if (!locked) return true;
    await cutTail(segment);
    return false;
  }

  /**
   * Cuts a torn tail off the journal, back to its last whole record (under the lock: no writer
   * is appending, so the bytes past it are a crashed append's, never acknowledged).
   */
  async function cutTail(segment: Segment): Promise<void> {
    const handle = await fs.open(journalPath, "r+");
    try {
      if (segmentId(await handle.stat({ bigint: true })) !== segment.id) throw new Moved();
      await handle.truncate(segment.end);
      synced();
      await handle.sync();
      counts.tornTailsCut += 1;
    } finally {
      await handle.close();
    }
  }

  /** Checks that the snapshot and the journal fit together: every change after the snapshot is held. */
  function checkLayout(): string | null {
    const start = (prev ?? current)?.first;
    if (start === undefined) return null;
    const at = snapshot?.revision ?? 0;
    if (start > at + 1) {
      return snapshot
        ? `the journal begins at revision ${start}, but the snapshot ${file} holds revisions up to ${at}: ${at + 1} to ${start - 1} are missing`
        : `the journal begins at revision ${start}, and there is no snapshot ${file} with the revisions before it`;
    }
    if (head() < at) return `the journal ends at revision ${head()}, before the snapshot's revision ${at}`;
    return null;
  }

  /** Brings the handle up to date with the files, without the lock; throws `STORE_CORRUPT` on damage. */
  async function refreshUnlocked(readWhole: boolean): Promise<{ decoded: DecodedSnapshot | null; torn: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const decoded = readWhole ? await readSnapshot() : null;
        if (!readWhole) await refreshSnapshot(false);
        const torn = await refreshJournal(false);
        const problem = checkLayout();
        if (problem === null) return { decoded, torn };
        // Another writer may have compacted between our reads of the snapshot and the journal.
        if (attempt >= UNLOCKED_ATTEMPTS) throw await corrupt(problem);
      } catch (error) {
        if (!(error instanceof Moved) || attempt >= UNLOCKED_ATTEMPTS) throw error;
      }
      forgetJournal();
    }
  }

  function forgetJournal(): void {
    prev = null;
    current = null;
    recent = null;
  }

  /**
   * Calls `visit` with each record holding changes after revision `after`, in order, reading the
   * segments in chunks; `visit` returns false to stop. Throws {@link Moved} when a segment was
   * moved away since the last refresh (the caller refreshes and tries again).
   */
  async function forEachRecord(after: number, visit: (first: number, changes: Change[]) => boolean): Promise<void> {
    for (const segment of [prev, current]) {
      if (segment === null || segment.head <= after) continue;
      await scanPrevious(segment);
      let index = firstRecordAfter(segment.records, after);
      // The bytes this handle just scanned, if they hold the records: not read (nor checked) twice.
      const held = recent?.id === segment.id ? recent : null;
      let handle: fs.FileHandle | null = null;
      try {
        while (index < segment.records.length) {
          const from = segment.records[index] as RecordRef;
          let to = index + 1;
          while (to < segment.records.length && (segment.records[to] as RecordRef).offset - from.offset < READ_CHUNK)
            to++;
          const last = segment.records[to - 1] as RecordRef;
          const end = last.offset + last.length;
          const scanned = held !== null && from.offset >= held.start && end <= held.start + held.bytes.length;
          let bytes: Buffer;
          let base: number;
          if (scanned) {
            bytes = held.bytes;
            base = held.start;
          } else {
            handle ??= await openSegment(segment);
            bytes = await readRange(handle, from.offset, end);
            base = from.offset;
          }
          for (let i = index; i < to; i++) {
            const record = segment.records[i] as RecordRef;
            let decoded: { first: number; changes: Change[] };
            try {
              decoded = decodeRecord(
                bytes.subarray(record.offset - base, record.offset - base + record.length),
                !scanned,
              );
            } catch (error) {
              const reason = error instanceof Error ? error.message : String(error);
              throw corruptJournal(
                segment === prev ? prevPath : journalPath,
                `its record at byte ${record.offset}: ${reason}`,
                record.offset,
              );
            }
            if (!visit(decoded.first, decoded.changes)) return;
          }
          index = to;
        }
      } finally {
        await handle?.close();
      }
    }
  }

  /** Opens the file that holds `segment` now: the journal, or the previous segment if it moved. */
  async function openSegment(segment: Segment): Promise<fs.FileHandle> {
    for (const path of [journalPath, prevPath]) {
      const handle = await openIfExists(path);
      if (handle === null) continue;
      if (segmentId(await handle.stat({ bigint: true })) === segment.id) return handle;
      await handle.close();
    }
    throw new Moved();
  }

  // ---- writing ----------------------------------------------------------------------------------

  /** Runs `body` holding the cross-process lock (after clearing a crashed writer's temporary files). */
  async function withLock<T>(body: (lock: FileLock) => Promise<T>): Promise<T> {
    const lock = await acquireLock(lockPath, lockOptions);
    try {
      // Under the lock no writer of this store is mid-write: any temporary file is a crash's.
      if (!cleaned || lock.tookOver) {
        await removeLeftovers(file);
        cleaned = true;
      }
      return await body(lock);
    } finally {
      await lock.release();
    }
  }

  /** Appends one record (or creates the journal with it), flushed; on failure nothing of it stays. */
  async function append(lock: FileLock, record: Buffer, first: number, last: number): Promise<void> {
    if (current === null) {
      // No journal yet (a new store, a migrated one, or a crash between a compaction's renames).
      const header = encodeJournalHeader(first);
      const stat = await installFile(lock, journalPath, Buffer.concat([header, record]), snapshot?.mode);
      current = {
        id: segmentId(stat),
        first,
        records: [{ first, last, offset: header.length, length: record.length }],
        end: header.length + record.length,
        head: last,
        mode: modeOf(stat),
        scanned: true,
      };
      return;
    }
    const segment = current;
    const handle = await fs.open(journalPath, "r+");
    try {
      if (segmentId(await handle.stat({ bigint: true })) !== segment.id) throw new Moved();
      await lock.verify();
      try {
        let written = 0;
        while (written < record.length) {
          const { bytesWritten } = await handle.write(record, written, record.length - written, segment.end + written);
          written += bytesWritten;
        }
        synced();
        await handle.sync();
      } catch (error) {
        // A full disk (ENOSPC), a file size limit (EFBIG): take back what part of it was written.
        // Should that fail too, the next commit or load cuts it as a torn tail.
        await handle.truncate(segment.end).catch(() => undefined);
        throw error;
      }
    } finally {
      await handle.close();
    }
    segment.records.push({ first, last, offset: segment.end, length: record.length });
    segment.end += record.length;
    segment.head = last;
  }

  /** The journal's bytes after the snapshot: what a load must replay. */
  async function bytesSinceSnapshot(): Promise<number> {
    const at = snapshot?.revision ?? 0;
    let bytes = 0;
    for (const segment of [prev, current]) {
      if (segment === null || segment.head <= at) continue;
      await scanPrevious(segment);
      const index = firstRecordAfter(segment.records, at);
      const from = segment.records[index];
      if (from !== undefined) bytes += segment.end - from.offset;
    }
    return bytes;
  }

  /**
   * The journal's bytes since the snapshot when a compaction is due (the journal has outgrown its
   * share, or the snapshot is missing or of an older version), else `null`.
   */
  async function dueBytes(): Promise<number | null> {
    const bytes = await bytesSinceSnapshot();
    const due =
      snapshot === null ||
      snapshot === undefined ||
      snapshot.version < CATALOG_FORMAT_VERSION ||
      bytes > Math.max(compactAfterBytes, snapshot.size * SNAPSHOT_SHARE);
    return due && bytes >= compactRetryAt ? bytes : null;
  }

  /** After a commit: a compaction that is due runs after its delay, never in the commit. */
  async function scheduleCompaction(): Promise<void> {
    try {
      if (compactTimer !== null || (await dueBytes()) === null) return;
    } catch {
      // The commit stands whatever this read of the journal met; the next commit looks again.
      return;
    }
    compactTimer = setTimeout(() => void runCompaction(), compactDelayMs);
    // A process that is done with its work may end before it: the journal holds every commit.
    compactTimer.unref();
  }

  /** Runs the waiting compaction, if any, as this handle's next operation (under the lock). */
  function runCompaction(): Promise<void> {
    if (compactTimer === null) return Promise.resolve();
    clearTimeout(compactTimer);
    compactTimer = null;
    return exclusive(() =>
      withLock(async (lock) => {
        await refreshLocked();
        await maybeCompact(lock);
      }),
    ).catch(() => {
      // A lock that stays busy, or damage: the files are as the last commit left them, the next
      // commit tries again, and the next load or commit reports damage.
    });
  }

  /** Compacts when it is due (under the lock, the handle up to date with the files). */
  async function maybeCompact(lock: FileLock): Promise<void> {
    const bytes = await dueBytes();
    if (bytes === null) return;
    try {
      await compact(lock);
      compactRetryAt = 0;
    } catch {
      // The commit is durable already: a compaction that fails (a full disk) changes nothing of
      // it. Try again once the journal has grown by as much again.
      counts.compactionFailures += 1;
      compactRetryAt = bytes + Math.max(compactAfterBytes, (snapshot?.size ?? 0) * SNAPSHOT_SHARE, 1);
      snapshot = undefined;
      forgetJournal();
    }
  }

  /**
   * Writes the state at the latest revision as a new snapshot (under the lock), the previous one
   * becoming `FILE.bak`; then, once the journal holds enough changes for readers (R3), starts a
   * new journal segment, the old one becoming `FILE.journal.prev`.
   */
  async function compact(lock: FileLock): Promise<void> {
    const at = head();
    const old = snapshot ?? null;
    let data: CatalogData | null = null;
    let from = 0;
    if (old !== null) {
      const read = await readSnapshot();
      if (read === null || snapshot?.id !== old.id) throw new Error("the snapshot changed under the lock");
      data = read.snapshot.data;
      from = read.snapshot.revision;
    }
    const replay = new Replay(data);
    await forEachRecord(from, (first, changes) => {
      replay.add(first <= from ? changes.slice(from - first + 1) : changes);
      return true;
    });
    data = replay.finish();
    if (data === null) return;
    await writeSnapshot(lock, at, data, old);
    counts.compactions += 1;

    // The new segment starts after the snapshot; the old one is kept as FILE.journal.prev, and the
    // one before it goes, once the old one alone holds enough changes for readers. The one that
    // goes is covered by the previous snapshot, now FILE.bak, so the backup still replays.
    const segment = current;
    if (segment === null || segment.head - segment.first + 1 < MIN_CHANGES_KEPT) return;
    if (prev !== null && prev.head > (old?.revision ?? 0)) return;
    const header = encodeJournalHeader(at + 1);
    const temp2 = tempSibling(journalPath);
    await writeFlushed(temp2, header, segment.mode, synced);
    try {
      await lock.verify();
      await fs.rename(journalPath, prevPath);
    } catch (error) {
      await fs.rm(temp2, { force: true });
      throw error;
    }
    // From here a crash leaves no journal file, only the previous segment: that loads as an
    // empty journal after it, and the next commit starts a new one.
    prev = segment;
    current = null;
    try {
      await fs.rename(temp2, journalPath);
    } catch (error) {
      await fs.rm(temp2, { force: true });
      throw error;
    }
    await syncFolder(folder, synced);
    const fresh = await fs.stat(journalPath, { bigint: true });
    current = {
      id: segmentId(fresh),
      first: at + 1,
      records: [],
      end: header.length,
      head: at,
      mode: segment.mode,
      scanned: true,
    };
  }

  /**
   * Writes `data` as the snapshot at `revision` (temporary file, `fsync`, rename, folder `fsync`),
   * the snapshot `old` becoming `FILE.bak`.
   */
  async function writeSnapshot(lock: FileLock, revision: number, data: CatalogData, old: KnownSnapshot | null) {
    // The folder is flushed before the journal moves: a crash can never leave the journal moved
    // on and the snapshot it relies on undone.
    const stat = await installFile(
      lock,
      file,
      encodeSnapshot(revision, data),
      old?.mode ?? current?.mode,
      old === null ? undefined : () => replaceBackup(file, backup, synced),
    );
    snapshot = {
      id: identity(stat),
      revision,
      size: Number(stat.size),
      mode: modeOf(stat),
      version: CATALOG_FORMAT_VERSION,
    };
  }

  /**
   * Puts `bytes` in place as `target`: a flushed temporary sibling, renamed over it once `before`
   * is done and the lock is still ours, then the folder flushed. On failure nothing of it stays.
   */
  async function installFile(
    lock: FileLock,
    target: string,
    bytes: string | Uint8Array,
    mode: number | undefined,
    before?: () => Promise<void>,
  ): Promise<BigIntStats> {
    const temp = tempSibling(target);
    await writeFlushed(temp, bytes, mode, synced);
    try {
      await before?.();
      await lock.verify();
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    await syncFolder(folder, synced);
    return fs.stat(target, { bigint: true });
  }

  /** Brings the handle up to date with the files under the lock; throws `STORE_CORRUPT` on damage. */
  async function refreshLocked(): Promise<void> {
    await refreshSnapshot(true);
    await refreshJournal(true).catch((error) => {
      if (!(error instanceof Moved)) throw error;
      forgetJournal();
      return refreshJournal(true);
    });
    const problem = checkLayout();
    if (problem !== null) throw await corrupt(problem);
  }

  // ---- the store ----------------------------------------------------------------------------------

  const store: FileStore = {
    name: "file",
    // Each commit is a journal record of JSON text, written by core's changesJson.
    writesJson: true,
    path: file,
    journalPath,

    load(): Promise<StoreSnapshot | null> {
      return exclusive(async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            const { decoded, torn } = await refreshUnlocked(true);
            if (torn && attempt === 1) {
              // A crashed append's bytes: cut them under the lock, then read again. (Where the
              // lock cannot be had, they are only left unapplied.)
              await cutTornTail();
              forgetJournal();
              continue;
            }
            const from = decoded?.snapshot.revision ?? 0;
            const replay = new Replay(decoded?.snapshot.data ?? null);
            let data: CatalogData | null;
            try {
              await forEachRecord(from, (first, changes) => {
                replay.add(first <= from ? changes.slice(from - first + 1) : changes);
                return true;
              });
              data = replay.finish();
            } catch (error) {
              if (error instanceof Moved || error instanceof MrsFailure) throw error;
              throw await corrupt(`the journal ${journalPath} does not apply to the snapshot: ${String(error)}`);
            }
            return data === null ? null : { revision: head(), data };
          } catch (error) {
            if (!(error instanceof Moved) || attempt >= UNLOCKED_ATTEMPTS) throw error;
            forgetJournal();
          }
        }
      });
    },

    commit(expected: number, changes: readonly Change[]): Promise<CommitResult> {
      if (!Number.isSafeInteger(expected) || expected < 0) {
        return Promise.reject(new Error(`expected must be a revision (0 or more), not ${expected}`));
      }
      for (const change of changes) {
        if (typeof change !== "object" || change === null || !CHANGE_TYPES.includes(change.type)) {
          return Promise.reject(new Error(`not a change: ${JSON.stringify(change)?.slice(0, 80)}`));
        }
      }
      let record: Buffer;
      try {
        // Encoded before anything is touched: a change JSON cannot carry fails the commit whole.
        record = encodeRecord(expected + 1, changes);
      } catch (error) {
        return Promise.reject(error);
      }
      return exclusive(async () => {
        const created = await fs.mkdir(folder, { recursive: true });
        // A folder we just created is itself only durable once its parent is flushed.
        if (created !== undefined) await syncFolder(dirname(created), synced);
        return withLock(async (lock) => {
          await refreshLocked();
          if (head() !== expected) {
            counts.conflicts += 1;
            return { ok: false, conflict: true } as const;
          }
          if (changes.length === 0) return { ok: true, revision: expected } as const;
          if (expected === 0 && changes[0]?.type !== "session.opened") {
            throw new Error("the first change of an empty store must open a session");
          }
          const revision = expected + changes.length;
          await append(lock, record, expected + 1, revision);
          counts.commits += 1;
          counts.changes += changes.length;
          // Our own commit is no news to our watchers, unless they had not heard of the one before.
          for (const watcher of watchers) if (watcher.told === expected) watcher.told = revision;
          if (expected === 0 && snapshot === null) {
            // A new store gets its snapshot at once, of its first change (the session) alone: a
            // release that knows only format version 1 then refuses the folder instead of reading
            // it as empty. The catalog itself goes in with the compaction, after its delay.
            const session = new Replay(null);
            session.add(changes.slice(0, 1));
            const data = session.finish();
            // Should it fail (a full disk), the commit stands and the compaction writes it.
            if (data !== null) await writeSnapshot(lock, expected + 1, data, null).catch(() => (snapshot = undefined));
          } else if (snapshot !== null && snapshot !== undefined && snapshot.version < CATALOG_FORMAT_VERSION) {
            // A migrated store is rewritten in the current version by its first commit, at once: from
            // then on a release that knows only version 1 refuses the folder instead of reading a
            // snapshot without the journal's changes.
            await maybeCompact(lock);
          }
          await scheduleCompaction();
          return { ok: true, revision } as const;
        });
      });
    },

    changesSince(since: number, limit = Number.POSITIVE_INFINITY): Promise<ChangesPage> {
      return exclusive(async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            await refreshUnlocked(false);
            const first = oldest();
            if (since < first - 1) return { ok: false, compacted: true, oldest: first } as const;
            const found: RevisionedChange[] = [];
            if (limit > 0 && since < head()) {
              await forEachRecord(since, (start, changes) => {
                for (let i = Math.max(0, since - start + 1); i < changes.length; i++) {
                  found.push({ ...(changes[i] as Change), revision: start + i });
                  if (found.length >= limit) return false;
                }
                return true;
              });
            }
            return { ok: true, changes: found, revision: head() } as const;
          } catch (error) {
            if (!(error instanceof Moved) || attempt >= UNLOCKED_ATTEMPTS) throw error;
            forgetJournal();
          }
        }
      });
    },

    stats: () => ({ ...counts, revision: head() }),

    flush: async () => {
      // The operations in flight first: a commit among them may find a compaction due.
      await queue;
      await runCompaction();
    },

    close: async () => {
      for (const unwatch of unwatchers) unwatch();
      unwatchers.clear();
      await store.flush();
    },
  };

  /** A load found a torn tail: cut it under the lock (if the folder can be written; else it is only left unapplied). */
  async function cutTornTail(): Promise<void> {
    try {
      await withLock(async () => {
        await refreshJournal(true);
      });
    } catch (error) {
      // A folder this process may not write, or a lock that stays busy: the load goes on, the
      // tail unapplied, and the next commit (which must have the lock) cuts it.
      const code = error instanceof MrsFailure ? error.code : errorCode(error);
      if (code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "STORE_UNAVAILABLE") return;
      throw error;
    }
  }

  if (options.watch === false) return store;
  return Object.assign(store, {
    watch(onChange: (revision: number) => void): () => void {
      // The folder, not the files: a compaction replaces them (new inodes), which would end a
      // watch on a file itself.
      try {
        mkdirSync(folder, { recursive: true });
      } catch {
        // Unwritable parent: watchFolder below watches nothing, and commits will say why.
      }
      const watcher = { told: head() };
      watchers.add(watcher);
      const names = new Set([basename(journalPath), basename(prevPath), basename(file)]);
      const stop = watchFolder(
        folder,
        (changed) => changed === null || names.has(changed),
        debounceMs,
        () =>
          void exclusive(async () => {
            await refreshUnlocked(false);
            const revision = head();
            if (revision > watcher.told && watchers.has(watcher)) {
              watcher.told = revision;
              onChange(revision);
            }
          }).catch(() => undefined),
      );
      const unwatch = () => {
        stop();
        watchers.delete(watcher);
        unwatchers.delete(unwatch);
      };
      unwatchers.add(unwatch);
      return unwatch;
    },
  });
}

/** The index of the first record holding a revision after `after` (records are in order). */
function firstRecordAfter(records: readonly RecordRef[], after: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((records[middle] as RecordRef).last > after) high = middle;
    else low = middle + 1;
  }
  return low;
}

function describeDamage(damaged: { offset: number; problem: string; later: number }): string {
  return damaged.later > 0
    ? `the record at byte ${damaged.offset} is damaged (${damaged.problem}), and ${damaged.later} whole record(s) follow it`
    : damaged.problem;
}

async function readRange(handle: fs.FileHandle, start: number, end: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(Math.max(0, end - start));
  let done = 0;
  while (done < bytes.length) {
    const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === bytes.length ? bytes : bytes.subarray(0, done);
}

async function openIfExists(path: string): Promise<fs.FileHandle | null> {
  try {
    return await fs.open(path, "r");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
}

function identity(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

function segmentId(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}`;
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
