// The file store across real processes, run from the built package (`dist/`): crashes at random
// moments, writers racing, a write that fails half way, a folder it may not write.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { applyChanges } from "@rune/mrs-core";
import { sampleChanges } from "@rune/mrs-testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fixture,
  jsonLines,
  removeTempFolders,
  requireBuilt,
  run,
  seededRandom,
  sleep,
  tempFolder,
  unprivileged,
} from "../test/support.js";
import { fileStore } from "./index.js";

beforeAll(requireBuilt);
afterAll(removeTempFolders);

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/** A child process whose stdout lines are collected, and a way to wait for one of them. */
function start(script: string, args: readonly string[]) {
  const child: Child = spawn(process.execPath, [fixture(script), ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: () => void }[] = [];
  let partial = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.test(line))) waiter.resolve();
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    /** Resolves at the first line (seen or to come) that passes `test`, or when the child ends. */
    waitFor(test: (line: string) => boolean): Promise<void> {
      if (lines.some(test)) return Promise.resolve();
      return Promise.race([
        new Promise<void>((resolve) => waiters.push({ test, resolve })),
        exited.then(() => undefined),
      ]);
    },
  };
}

describe("MRS-S11 crash safety: a writer killed with SIGKILL at random moments", () => {
  it("MRS-R1 every time, the store loads and holds every acknowledged commit, never half of one", {
    timeout: 180_000,
  }, async () => {
    const path = join(await tempFolder(), "catalog.json");
    const seed = Date.now() >>> 0;
    const random = seededRandom(seed);
    const replay = `(replay with seed ${seed})`;
    const acknowledged = new Set<string>();
    let highestAck = 0;
    let unacknowledgedHeld = 0;
    let killedHoldingLock = 0;
    let tornTailsCut = 0;
    const rounds = 20;
    for (let round = 0; round < rounds; round++) {
      const writer = start("commit-loop.mjs", [path, String(round)]);
      // Mostly once the writer is committing; now and then during its start (import, load).
      if (random() < 0.8) await writer.waitFor((line) => line === "ready");
      await sleep(Math.floor(random() * 200));
      writer.child.kill("SIGKILL");
      const { signal } = await writer.exited;
      expect(signal, `round ${round}: ${writer.stderr()} ${replay}`).toBe("SIGKILL");
      expect(
        writer.lines.filter((line) => line.startsWith("conflict")),
        replay,
      ).toEqual([]);
      for (const line of writer.lines.filter((l) => l.startsWith("ack "))) {
        const [, revision, name] = line.split(" ");
        acknowledged.add(name as string);
        highestAck = Math.max(highestAck, Number(revision));
      }
      if (
        await fs.stat(`${path}.lock`).then(
          () => true,
          () => false,
        )
      )
        killedHoldingLock += 1;

      // A fresh handle, as the next LOM would open: the store must load...
      const reader = fileStore({ path, watch: false });
      const loaded = await reader.load();
      tornTailsCut += reader.stats().tornTailsCut;
      const revision = loaded?.revision ?? 0;
      const held = new Set(Object.keys(loaded?.data.modules ?? {}));
      // ...at or past every acknowledged commit, with all of them...
      expect(revision, `round ${round} ${replay}`).toBeGreaterThanOrEqual(highestAck);
      const lost = [...acknowledged].filter((name) => !held.has(name));
      expect(lost, `acknowledged commits missing after round ${round} ${replay}`).toEqual([]);
      // ...whole commits only (each is the session's opening or not, a module and 39 decisions:
      // the revision counts them exactly)...
      expect(revision, `round ${round} ${replay}`).toBe(held.size === 0 ? 0 : 1 + held.size * 40);
      // ...and at most one commit (the one in flight, unacknowledged) more than before.
      const extra = [...held].filter((name) => !acknowledged.has(name)).length;
      expect(extra, `round ${round} ${replay}`).toBeLessThanOrEqual(unacknowledgedHeld + 1);
      unacknowledgedHeld = extra;
    }
    // Enough happened for the test to mean something: commits were acknowledged and landed.
    expect(acknowledged.size, replay).toBeGreaterThan(rounds);

    // The last writer may have died holding the lock and mid-write: the next one takes over at
    // once (its pid is dead) and clears what it left.
    const next = fileStore({ path, watch: false, lockTimeoutMs: 5_000 });
    const before = await next.load();
    const revision = before?.revision ?? 0;
    const changes = revision === 0 ? sampleChanges(1) : sampleChanges(1, "crash-test", 1).slice(1);
    expect(await next.commit(revision, changes)).toMatchObject({ ok: true });
    const files = await fs.readdir(join(path, ".."));
    const ours = ["catalog.json", "catalog.json.bak", "catalog.json.journal", "catalog.json.journal.prev"];
    expect(files.filter((name) => !ours.includes(name))).toEqual([]);
    expect(files).toContain("catalog.json.journal");
    // For the record in the test output: how many kills landed while the lock was held.
    console.info(
      `crash test: ${rounds} kills, ${killedHoldingLock} holding the lock, ${tornTailsCut} torn tails cut, ${acknowledged.size} acks, revision ${revision}, files ${files.sort().join(" ")}, seed ${seed}`,
    );
  });
});

describe("MRS-R1 MRS-R3 a reader in one process follows a writer in another, without the lock", () => {
  it("MRS-R1 MRS-R3 every change in order, none missed or twice, across compactions and journal moves", {
    timeout: 180_000,
  }, async () => {
    const path = join(await tempFolder(), "catalog.json");
    const writer = start("commit-loop.mjs", [path, "0"]);
    const acked = (line: string) => line.startsWith("ack ");
    await writer.waitFor(acked);
    const reader = fileStore({ path, watch: false });
    const first = await reader.load();
    let state = first?.data ?? null;
    let held = first?.revision ?? 0;
    let pages = 0;
    let reloads = 0;
    // 30,000 changes: several compactions, and the journal moves on at least twice.
    while (held < 30_000) {
      const page = await reader.changesSince(held, 5_000);
      if (!page.ok) {
        // Fell further behind than the store keeps: read the state again, as a registry does.
        const again = await reader.load();
        state = again?.data ?? null;
        held = again?.revision ?? 0;
        reloads += 1;
        continue;
      }
      if (page.changes.length === 0) {
        // Nothing new yet: wait for the writer's next acknowledged commit.
        const after = held;
        await writer.waitFor((line) => acked(line) && Number(line.split(" ")[1]) > after);
        expect(writer.child.exitCode, writer.stderr()).toBeNull();
        continue;
      }
      expect(page.changes.map((change) => change.revision)).toEqual(page.changes.map((_, i) => held + 1 + i));
      state = applyChanges(state, page.changes);
      held = page.changes.at(-1)?.revision ?? held;
      pages += 1;
    }
    writer.child.kill("SIGKILL");
    await writer.exited;
    const rest = await reader.changesSince(held);
    if (!rest.ok) throw new Error("the last changes were compacted away");
    state = applyChanges(state, rest.changes);
    const loaded = await fileStore({ path, watch: false }).load();
    expect(loaded?.revision).toBe(rest.revision);
    expect(state).toEqual(loaded?.data);
    const files = await fs.readdir(join(path, ".."));
    expect(files).toContain("catalog.json.journal.prev");
    console.info(`follower: ${pages} pages, ${reloads} reloads, revision ${rest.revision}`);
  });
});

describe("MRS-S11 several processes on one folder", () => {
  it("MRS-R1 two processes registering at the same moment lose no acknowledged registration", {
    timeout: 180_000,
  }, async () => {
    const path = join(await tempFolder(), ".lom", "catalog.json");
    const count = 25;
    const writers = ["a", "b"].map((id) => start("register-many.mjs", [path, id, String(count)]));
    // Both started (one opened the session, the other resumed it), then both go at once.
    for (const writer of writers) await writer.waitFor((line) => line.startsWith('{"ready"'));
    for (const writer of writers) writer.child.stdin.write("go\n");
    const ends = await Promise.all(writers.map((writer) => writer.exited));
    for (const [i, end] of ends.entries()) expect(end.code, writers[i]?.stderr()).toBe(0);

    const outcomes = writers.flatMap((writer) => jsonLines(writer.lines.join("\n")));
    const sessions = new Set(outcomes.map((o) => o.ready ?? o.session));
    expect(sessions.size).toBe(1); // one shared session
    expect(outcomes.filter((o) => "failed" in o)).toEqual([]);
    const acknowledged = outcomes.filter((o) => "ack" in o).map((o) => o.ack as string);
    expect(acknowledged).toHaveLength(2 * count);

    const loaded = await fileStore({ path, watch: false }).load();
    expect(Object.keys(loaded?.data.modules ?? {}).sort()).toEqual([...acknowledged].sort());
    expect(loaded?.data.session.id).toBe([...sessions][0]);
  });
});

describe("MRS-S11 a write that fails leaves the store whole", () => {
  it("a catalog that no longer fits (EFBIG under ulimit -f) fails the registration with STORE_UNAVAILABLE", async () => {
    const path = join(await tempFolder(), "catalog.json");
    // 16 blocks of 512 bytes: room for a few modules, as a nearly full disk would leave.
    const finished = await run("sh", [
      "-c",
      'ulimit -f 16 && exec "$0" "$@"',
      process.execPath,
      fixture("fill-disk.mjs"),
      path,
    ]);
    expect(finished.code, finished.stderr).toBe(0);
    const outcomes = jsonLines(finished.stdout);
    const acknowledged = outcomes.filter((o) => "ack" in o).map((o) => o.ack as string);
    const failed = outcomes.find((o) => "failed" in o);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(failed?.errors).toMatchObject([{ code: "STORE_UNAVAILABLE", rule: "S11" }]);
    expect(JSON.stringify(failed?.errors)).toContain("EFBIG");

    // The store holds exactly the acknowledged registrations, and no temporary file is left.
    const loaded = await fileStore({ path, watch: false }).load();
    expect(Object.keys(loaded?.data.modules ?? {}).sort()).toEqual(acknowledged.sort());
    expect((await fs.readdir(join(path, ".."))).sort()).toEqual(["catalog.json", "catalog.json.journal"]);
    // Nothing half-written: the failed append was taken back, so the journal ends on a whole record.
    expect((await fs.readFile(`${path}.journal`, "utf8")).endsWith("}\n")).toBe(true);
  });

  it("a folder it may not write makes commit throw, and the files are unchanged", async () => {
    const folder = await tempFolder();
    const path = join(folder, "catalog.json");
    const changes = sampleChanges(2);
    await fileStore({ path, watch: false }).commit(0, changes);
    const names = ["catalog.json", "catalog.json.journal"];
    const before = await Promise.all(names.map((name) => fs.readFile(join(folder, name))));
    await fs.chmod(folder, 0o555);
    const as = await unprivileged();
    if (as === null) {
      // Root that cannot switch users writes through mode bits: the commit goes through whole.
      const store = fileStore({ path, watch: false });
      const removals = ["module-0", "module-1"].map((module) => ({ type: "module.removed" as const, module }));
      expect(await store.commit(changes.length, removals)).toEqual({ ok: true, revision: changes.length + 2 });
      expect((await store.load())?.data.modules).toEqual({});
      return;
    }
    // In a child process as an unprivileged user (root writes through any mode bits).
    const finished = await run(process.execPath, [fixture("probe.mjs"), "commit", path], as);
    const [outcome] = jsonLines(finished.stdout);
    expect(outcome?.thrown).toMatchObject({ code: "EACCES" });
    expect(await Promise.all(names.map((name) => fs.readFile(join(folder, name))))).toEqual(before);
    expect((await fs.readdir(folder)).sort()).toEqual(names);
  });
});
