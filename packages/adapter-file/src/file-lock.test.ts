import { promises as fs } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { MrsFailure } from "@rune/mrs-core";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempFolders, run, sleep, tempFolder } from "../test/support.js";
import { acquireLock } from "./file-lock.js";

afterAll(removeTempFolders);

const patient = { timeoutMs: 10_000, staleMs: 600_000 };

/** The pid of a process that has certainly ended (and been reaped). */
async function deadPid(): Promise<number> {
  const finished = await run(process.execPath, ["-e", "console.log(process.pid)"]);
  return Number(finished.stdout.trim());
}

/** Writes a lock file as another writer would have left it. */
async function plantLock(path: string, owner: Record<string, unknown>): Promise<void> {
  await fs.writeFile(path, JSON.stringify({ token: "planted", since: "2026-01-01T00:00:00Z", ...owner }));
}

describe("the cross-process lock", () => {
  it("lets one holder in at a time, among many handles contending", async () => {
    const path = join(await tempFolder(), "x.lock");
    let inside = 0;
    let most = 0;
    let entries = 0;
    let takeovers = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 40; i++) {
          const lock = await acquireLock(path, patient);
          inside += 1;
          most = Math.max(most, inside);
          entries += 1;
          if (lock.tookOver) takeovers += 1;
          await sleep(0); // let the others try while we hold it
          await lock.verify(); // the lock file is still ours: nobody removed or replaced it
          inside -= 1;
          await lock.release();
        }
      }),
    );
    expect(entries).toBe(320);
    expect(most).toBe(1);
    // Every holder was alive: a takeover would mean a live lock was judged abandoned.
    expect(takeovers).toBe(0);
    await expect(fs.access(path)).rejects.toThrow(); // released: no lock file left
  });

  it("takes over at once the lock of a process that is dead, even when many wait for it", async () => {
    const path = join(await tempFolder(), "x.lock");
    await plantLock(path, { pid: await deadPid(), host: hostname(), boot: null });
    let inside = 0;
    let most = 0;
    const takeovers: boolean[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        // A short timeout and a long stale age: only the dead-owner rule can let them in.
        const lock = await acquireLock(path, { timeoutMs: 5_000, staleMs: 600_000 });
        inside += 1;
        most = Math.max(most, inside);
        takeovers.push(lock.tookOver);
        await sleep(1);
        inside -= 1;
        await lock.release();
      }),
    );
    expect(most).toBe(1);
    expect(takeovers.filter(Boolean)).toHaveLength(1); // the dead lock was broken exactly once
  });

  it("takes over a lock left by an earlier process with this very pid (a restarted container)", async () => {
    const path = join(await tempFolder(), "x.lock");
    await plantLock(path, { pid: process.pid, host: hostname(), boot: null });
    const lock = await acquireLock(path, { timeoutMs: 2_000, staleMs: 600_000 });
    expect(lock.tookOver).toBe(true);
    await lock.release();
  });

  it("takes over a lock written before the machine last started (another boot id)", async () => {
    const path = join(await tempFolder(), "x.lock");
    const ownBoot = await fs.readFile("/proc/sys/kernel/random/boot_id", "utf8").catch(() => null);
    // Our own live pid: were the boot id ignored, this lock would read as held.
    await plantLock(path, { pid: process.ppid, host: hostname(), boot: ownBoot === null ? null : "an-earlier-boot" });
    if (ownBoot === null) {
      // No boot id on this platform: the live parent process keeps the lock held.
      await expect(acquireLock(path, { timeoutMs: 50, staleMs: 600_000 })).rejects.toThrow("timed out");
      return;
    }
    const lock = await acquireLock(path, { timeoutMs: 2_000, staleMs: 600_000 });
    expect(lock.tookOver).toBe(true);
    await lock.release();
  });

  it("MRS-S11 waits for a live holder, then fails with STORE_UNAVAILABLE naming the lock and its owner", async () => {
    const path = join(await tempFolder(), "x.lock");
    const held = await acquireLock(path, patient);
    try {
      await acquireLock(path, { timeoutMs: 100, staleMs: 600_000 });
      expect.unreachable("a second writer got a held lock");
    } catch (error) {
      expect(error).toBeInstanceOf(MrsFailure);
      const failure = error as MrsFailure;
      expect(failure.code).toBe("STORE_UNAVAILABLE");
      expect(failure.message).toContain(path);
      expect(failure.message).toContain(`process ${process.pid} on ${hostname()}`);
      expect(failure.errors[0]?.hint).toContain("delete the lock file");
    }
    await held.release();
    const next = await acquireLock(path, { timeoutMs: 1_000, staleMs: 600_000 });
    await next.release();
  });

  it("judges a lock from another host by its age: held while fresh, taken over once stale", async () => {
    const path = join(await tempFolder(), "x.lock");
    await plantLock(path, { pid: process.pid, host: "another-host.example", boot: null });
    await expect(acquireLock(path, { timeoutMs: 50, staleMs: 60_000 })).rejects.toThrow("another-host.example");
    const longAgo = new Date(Date.now() - 120_000);
    await fs.utimes(path, longAgo, longAgo);
    const lock = await acquireLock(path, { timeoutMs: 2_000, staleMs: 60_000 });
    expect(lock.tookOver).toBe(true);
    await lock.release();
  });

  it("judges a lock that holds no owner by its age too", async () => {
    const path = join(await tempFolder(), "x.lock");
    await fs.writeFile(path, "");
    await expect(acquireLock(path, { timeoutMs: 50, staleMs: 60_000 })).rejects.toThrow("a writer that left no name");
    const longAgo = new Date(Date.now() - 120_000);
    await fs.utimes(path, longAgo, longAgo);
    const lock = await acquireLock(path, { timeoutMs: 2_000, staleMs: 60_000 });
    await lock.release();
  });

  it("knows when it was taken over, and then never removes the new holder's lock", async () => {
    const path = join(await tempFolder(), "x.lock");
    const lock = await acquireLock(path, patient);
    await lock.verify();
    // Another writer judged ours abandoned and took it (only possible across hosts, by age).
    await fs.rm(path);
    await plantLock(path, { pid: 1, host: "another-host.example", boot: null, token: "theirs" });
    await expect(lock.verify()).rejects.toThrow("lost the lock");
    await lock.release();
    expect(JSON.parse(await fs.readFile(path, "utf8")).token).toBe("theirs");
  });

  it("leaves no temporary files behind", async () => {
    const folder = await tempFolder();
    const path = join(folder, "x.lock");
    const first = await acquireLock(path, patient);
    await expect(acquireLock(path, { timeoutMs: 30, staleMs: 600_000 })).rejects.toThrow("timed out");
    expect(await fs.readdir(folder)).toEqual(["x.lock"]);
    await first.release();
    expect(await fs.readdir(folder)).toEqual([]);
  });
});
