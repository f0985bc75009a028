import { randomBytes } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { MrsFailure, mrsError } from "@rune/mrs-core";
import { errorCode, NO_HARD_LINKS } from "./fs-errors.js";
import { tempSibling } from "./temp-files.js";

/** How a {@link acquireLock} call waits and when it counts a lock as abandoned. */
export interface LockOptions {
  /** How long to wait for a lock that another live writer holds before failing. */
  readonly timeoutMs: number;
  /**
   * A lock whose owner cannot be checked from here (a process on another host sharing the file
   * system) counts as abandoned once its file has not been refreshed for this long. Owners on
   * this host are checked directly: a dead process's lock is taken over at once.
   */
  readonly staleMs: number;
}

/** A held lock. */
export interface FileLock {
  /** True when the lock was taken over from a dead owner, whose temporary files may be left. */
  readonly tookOver: boolean;
  /** Throws unless the lock is still ours: checked just before the rename that publishes a write. */
  verify(): Promise<void>;
  /** Gives the lock up (never removes a lock that another writer has taken over since). */
  release(): Promise<void>;
}

/** What a lock file holds: enough to tell whether its owner still runs, and for a person to find it. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Linux's boot id: a lock from before the machine last started is abandoned whatever its pid. */
  readonly boot: string | null;
  /** Linux: when the process started (clock ticks since boot), so that a reused pid is not taken for the owner. */
  readonly started: string | null;
  /** Unique per acquisition, so that one process's several handles never mistake each other's locks. */
  readonly token: string;
  readonly since: string;
}

/** A lock file as read once: its raw content (parsed when it is a lock), inode and age. */
interface SeenLock {
  readonly raw: string;
  readonly owner: LockOwner | null;
  readonly ino: number;
  readonly mtimeMs: number;
}

/** Breaking a lock takes microseconds; a break marker this old belongs to a breaker that died. */
const BREAKER_STALE_MS = 5_000;

/**
 * Takes the cross-process lock kept in the file `path`, waiting (bounded) while another live
 * writer holds it. See the package README ("Locking") for why this design.
 *
 * The lock file appears atomically with its owner written in it (written to a temporary file,
 * then hard-linked into place: `link` fails if the lock exists), so a crash can never leave an
 * empty, ownerless lock. A lock whose owner is dead is broken under a second, short-lived lock
 * (`path.break`), after checking it is still the very lock found dead, so that two waiters can
 * never both break it and both go in.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<FileLock> {
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    boot: bootId(),
    started: ownStart(),
    token: randomBytes(12).toString("hex"),
    since: new Date().toISOString(),
  };
  const raw = JSON.stringify(me);
  const deadline = Date.now() + options.timeoutMs;
  let tookOver = false;
  let delay = 1;
  // Live from now on: the lock file and the break marker we may create both carry this token.
  liveTokens.add(me.token);
  try {
    for (;;) {
      if (await createExclusive(path, raw)) return holding(path, me, options, tookOver);
      const seen = await inspect(path);
      if (seen === null) continue; // released between our attempt and our look: try again at once
      if ((await isAbandoned(seen, options.staleMs)) && (await breakLock(path, seen, raw))) {
        tookOver = true;
        continue;
      }
      if (Date.now() >= deadline) throw timeoutFailure(path, seen, options.timeoutMs);
      // Jittered backoff: waiters that collided do not collide again in step.
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
    }
  } catch (error) {
    liveTokens.delete(me.token);
    throw error;
  }
}

function holding(path: string, me: LockOwner, options: LockOptions, tookOver: boolean): FileLock {
  // Keeps the lock fresh for waiters on other hosts, which judge it by age (a commit of a huge
  // catalog on a slow disk can outlast `staleMs`). Unref'd: it never keeps a process alive.
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      void fs.utimes(path, now, now).catch(() => undefined);
    },
    Math.max(options.staleMs / 3, 1_000),
  );
  heartbeat.unref();
  return {
    tookOver,
    async verify() {
      const seen = await inspect(path);
      if (seen?.owner?.token !== me.token) {
        throw new Error(`lost the lock ${path} to another writer (it judged this one abandoned); nothing was written`);
      }
    },
    async release() {
      clearInterval(heartbeat);
      const seen = await inspect(path).catch(() => null);
      // A failed removal only delays the next writer until this process exits (its lock then
      // reads as dead): not worth failing a commit that is already durable.
      if (seen?.owner?.token === me.token) await fs.rm(path, { force: true }).catch(() => undefined);
      // Only now: until the file is gone, our other handles must keep reading it as alive, or
      // one could break it and take the lock while we remove it (removing theirs).
      liveTokens.delete(me.token);
    },
  };
}

/** Creates `path` holding `raw` if it does not exist; false if it does. */
async function createExclusive(path: string, raw: string): Promise<boolean> {
  const candidate = tempSibling(path);
  await fs.writeFile(candidate, raw, { flag: "wx" });
  try {
    await fs.link(candidate, path);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "EEXIST") return false;
    // Our candidate was removed by a lock holder cleaning up after a crash: just try again.
    if (code === "ENOENT") return false;
    if (code !== undefined && NO_HARD_LINKS.has(code)) return createExclusiveWithoutLinks(path, raw);
    throw error;
  } finally {
    await fs.rm(candidate, { force: true });
  }
}

/**
 * The fallback where hard links do not exist: an exclusive create, then the write. A crash
 * between the two leaves an empty lock, which only the age rule (`staleMs`) clears.
 */
async function createExclusiveWithoutLinks(path: string, raw: string): Promise<boolean> {
  try {
    await fs.writeFile(path, raw, { flag: "wx" });
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
}

async function inspect(path: string): Promise<SeenLock | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, "r");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
  try {
    const stat = await handle.stat();
    const raw = await handle.readFile("utf8");
    return { raw, owner: parseOwner(raw), ino: stat.ino, mtimeMs: stat.mtimeMs };
  } finally {
    await handle.close();
  }
}

function parseOwner(raw: string): LockOwner | null {
  try {
    const value = JSON.parse(raw) as Partial<LockOwner> | null;
    // A pid of 0 or below would signal a whole process group in `kill`: never accept one.
    if (typeof value !== "object" || value === null) return null;
    if (!Number.isSafeInteger(value.pid) || (value.pid as number) <= 0) return null;
    if (typeof value.host !== "string" || typeof value.token !== "string") return null;
    return {
      pid: value.pid as number,
      host: value.host,
      boot: typeof value.boot === "string" ? value.boot : null,
      started: typeof value.started === "string" ? value.started : null,
      token: value.token,
      since: typeof value.since === "string" ? value.since : "an unknown time",
    };
  } catch {
    return null;
  }
}

async function isAbandoned(seen: SeenLock, staleMs: number): Promise<boolean> {
  const owner = seen.owner;
  if (owner !== null && owner.host === hostname()) {
    const boot = bootId();
    if (owner.boot !== null && boot !== null && owner.boot !== boot) return true;
    return !(await processAlive(owner));
  }
  // Another host (or an unreadable lock): its process cannot be asked, so judge by age.
  return Date.now() - seen.mtimeMs > staleMs;
}

/** Removes the abandoned lock `seen`, under the break marker; true if it was removed. */
async function breakLock(path: string, seen: SeenLock, raw: string): Promise<boolean> {
  const marker = `${path}.break`;
  if (!(await createExclusive(marker, raw))) {
    const other = await inspect(marker);
    if (other !== null && (await isAbandoned(other, BREAKER_STALE_MS))) await fs.rm(marker, { force: true });
    return false;
  }
  try {
    const now = await inspect(path);
    // Only the very lock found abandoned: if it changed meanwhile, someone else owns it now.
    if (now === null || now.raw !== seen.raw || now.ino !== seen.ino) return false;
    await fs.rm(path, { force: true });
    return true;
  } finally {
    await fs.rm(marker, { force: true });
  }
}

/**
 * Tokens of this process's acquisitions in progress or held (its several store handles each
 * take their own): a lock or break marker with our pid and one of these tokens is alive.
 */
const liveTokens = new Set<string>();

async function processAlive(owner: LockOwner): Promise<boolean> {
  // Our own pid: alive only if one of our handles holds it now. Otherwise the lock is from an
  // earlier process that had our pid, which happens on every restart of a container (the LOM is
  // pid 1 again, on the same host name, with the same boot id).
  if (owner.pid === process.pid) return liveTokens.has(owner.token);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return errorCode(error) === "EPERM";
  }
  // Linux: a zombie (exited, not yet reaped by its parent) still answers signal 0, and a pid
  // may have been reused by a process that started later than the owner. Elsewhere `kill` stands.
  const stat = procStat(owner.pid);
  if (stat === null) return true;
  if (stat.state === "Z") return false;
  return owner.started === null || stat.started === null || stat.started === owner.started;
}

/** State and start time of a process, from Linux's `/proc/PID/stat`; null elsewhere. */
function procStat(pid: number): { state: string; started: string | null } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: split after its last `)`.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", started: fields[19] ?? null };
  } catch {
    return null;
  }
}

let cachedStart: string | null | undefined;
function ownStart(): string | null {
  if (cachedStart === undefined) cachedStart = procStat(process.pid)?.started ?? null;
  return cachedStart;
}

let cachedBootId: string | null | undefined;
function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

function timeoutFailure(path: string, seen: SeenLock, timeoutMs: number): MrsFailure {
  const owner = seen.owner;
  const who = owner ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : "a writer that left no name";
  return new MrsFailure([
    mrsError("STORE_UNAVAILABLE", "", `timed out after ${timeoutMs} ms waiting for the lock ${path}, held by ${who}`, {
      hint: "another LOM is writing to this catalog; if no such process runs any more, delete the lock file",
    }),
  ]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
