import { promises as fs } from "node:fs";
import { join } from "node:path";
import { applyChanges, type Change, createRegistry, MrsFailure, type RegistryEvent } from "@rune/mrs-core";
import { sampleCatalog, sampleChanges, samplePayload, testStore } from "@rune/mrs-testkit";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { removeTempFolders, tempFolder } from "../test/support.js";
import { CATALOG_FORMAT_VERSION, type FileStore, type FileStoreOptions, fileStore, JOURNAL_FORMAT } from "./index.js";
import { encodeRecord } from "./journal-format.js";

afterAll(removeTempFolders);

testStore("file", {
  // A nested path: the store creates the folders it needs.
  create: async () => fileStore({ path: join(await tempFolder(), "nested", ".lom", "catalog.json") }),
  peer: (store) => fileStore({ path: (store as FileStore).path }),
});

/** A store on a fresh catalog path, and that path. */
async function freshStore(options: Omit<FileStoreOptions, "path"> = {}): Promise<{ store: FileStore; path: string }> {
  const path = join(await tempFolder(), "catalog.json");
  return { store: fileStore({ path, ...options }), path };
}

/** The `code` and message of what a promise rejected with (an `MrsFailure`'s first error). */
async function failureOf(
  promise: Promise<unknown>,
): Promise<{ code: string | undefined; message: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MrsFailure) return { code: error.code, message: error.message, hint: error.errors[0]?.hint };
    throw error;
  }
  throw new Error("expected a rejection, got a result");
}

/** Commits and fails the test on a refusal; returns the new revision. */
async function commitOk(store: FileStore, expected: number, changes: readonly Change[]): Promise<number> {
  const result = await store.commit(expected, changes);
  if (!result.ok) throw new Error(`commit at ${expected} refused`);
  return result.revision;
}

/** The lines of a journal file. */
async function journalLines(path: string): Promise<string[]> {
  return (await fs.readFile(path, "utf8")).split("\n").filter((line) => line.length > 0);
}

/** Every file's bytes in a folder, by name: to show that nothing was touched. */
async function folderBytes(folder: string): Promise<Record<string, Buffer>> {
  const bytes: Record<string, Buffer> = {};
  for (const name of (await fs.readdir(folder)).sort()) bytes[name] = await fs.readFile(join(folder, name));
  return bytes;
}

describe("fileStore: the files on disk", () => {
  it("MRS-R1 a commit appends one checksummed line to the journal; the snapshot is a versioned envelope, small members first", async () => {
    const { store, path } = await freshStore();
    const changes = sampleChanges(2);
    expect(await store.commit(0, changes)).toEqual({ ok: true, revision: changes.length });
    const lines = await journalLines(`${path}.journal`);
    expect(lines).toHaveLength(2);
    const [header, record] = lines.map((line) => ({ crc: line.slice(0, 8), json: JSON.parse(line.slice(9)) }));
    expect(header?.json).toEqual({ format: JOURNAL_FORMAT, formatVersion: CATALOG_FORMAT_VERSION, first: 1 });
    expect(record?.json).toEqual({ first: 1, last: changes.length, changes });
    expect(record?.crc).toMatch(/^[0-9a-f]{8}$/);
    // A store's first commit also writes its snapshot, of the session alone, so that a release
    // that knows only version 1 refuses the folder instead of reading an empty catalog.
    const head = `{"format":"rune-mrs-catalog","formatVersion":2,"revision":`;
    const first = await fs.readFile(path, "utf8");
    expect(first.startsWith(`${head}1,"data":`)).toBe(true);
    expect(JSON.parse(first).data).toEqual(sampleCatalog(0));
  });

  it("MRS-R1 a registry on the file store writes each payload registered as text once: the journal holds it member for member", async () => {
    const { store, path } = await freshStore();
    // Declared, so that the registry keeps each payload's text for the journal record.
    expect(store.writesJson).toBe(true);
    const registry = createRegistry({ store });
    await registry.start();
    const payload = samplePayload("texted");
    expect((await registry.register({ text: JSON.stringify(payload) }, "test")).outcome).toBe("accepted");
    await registry.close();
    const records = (await journalLines(`${path}.journal`)).slice(1).map((line) => JSON.parse(line.slice(9)));
    const puts = records.flatMap((r: { changes: Change[] }) => r.changes).filter((c) => c.type === "module.put");
    expect(puts.map((c) => JSON.stringify(c.type === "module.put" ? c.record.payload : null))).toEqual([
      JSON.stringify(payload),
    ]);
  });

  it("MRS-R1 a compaction writes the catalog at the latest revision as the snapshot; the previous one becomes the backup", async () => {
    const { store, path } = await freshStore({ compactAfterBytes: 0 });
    const revision = await commitOk(store, 0, sampleChanges(2));
    await store.flush();
    expect(store.stats().compactions).toBe(1);
    const text = await fs.readFile(path, "utf8");
    expect(text.startsWith(`{"format":"rune-mrs-catalog","formatVersion":2,"revision":${revision},"data":`)).toBe(true);
    expect(JSON.parse(text).data).toEqual(sampleCatalog(2));
    expect(JSON.parse(await fs.readFile(`${path}.bak`, "utf8"))).toMatchObject({ revision: 1, data: sampleCatalog(0) });
  });

  it("MRS-R1 a commit on a large catalog appends only its changes, with one fsync, and leaves the snapshot alone", async () => {
    const { store, path } = await freshStore();
    const first = await commitOk(store, 0, sampleChanges(2_000));
    const snapshotBefore = await fs.stat(path);
    const journalBefore = (await fs.stat(`${path}.journal`)).size;
    const fsyncsBefore = store.stats().fsyncs;
    const one = sampleChanges(1, "session-1", 2_000);
    expect(await store.commit(first, one)).toEqual({ ok: true, revision: first + one.length });
    expect((await fs.stat(`${path}.journal`)).size - journalBefore).toBe(encodeRecord(first + 1, one).length);
    expect(store.stats().fsyncs - fsyncsBefore).toBe(1);
    const snapshotAfter = await fs.stat(path);
    expect([snapshotAfter.ino, snapshotAfter.mtimeMs]).toEqual([snapshotBefore.ino, snapshotBefore.mtimeMs]);
  });

  it("stats count this handle's commits, changes, conflicts and fsyncs", async () => {
    const { store } = await freshStore();
    const before = store.stats();
    expect(before).toMatchObject({ commits: 0, changes: 0, conflicts: 0, fsyncs: 0, compactions: 0, revision: 0 });
    const revision = await commitOk(store, 0, sampleChanges(1));
    expect(await store.commit(0, sampleChanges(1))).toEqual({ ok: false, conflict: true });
    await commitOk(store, revision, sampleChanges(1, "session-1", 1));
    // First commit: the new journal file and its folder, the session's snapshot and its folder;
    // second: one append. A journal this small is not worth a compaction (under compactAfterBytes).
    await store.flush();
    expect(store.stats()).toMatchObject({
      commits: 2,
      changes: 5,
      conflicts: 1,
      fsyncs: 5,
      compactions: 0,
      revision: 5,
    });
  });

  it("leaves only its own files behind, and removes a crashed writer's temporary files", async () => {
    const { store, path } = await freshStore();
    const folder = join(path, "..");
    // What a writer killed mid-commit leaves: temp snapshot, backup link, new journal, lock candidate.
    const leftovers = [
      ".catalog.json-4242-00ff.tmp",
      ".catalog.json.bak-4242-0a.tmp",
      ".catalog.json.journal-4242-0c.tmp",
      ".catalog.json.lock-4242-1b.tmp",
    ];
    for (const name of leftovers) await fs.writeFile(join(folder, name), "{half a cata");
    // Files of someone else, however alike, are not ours to remove.
    const others = ["notes.txt", ".catalog.json.old-1-aa.tmp", ".other.json-1-aa.tmp"];
    for (const name of others) await fs.writeFile(join(folder, name), "keep me");
    expect(await store.load()).toBeNull(); // temp files are never read as the catalog
    const revision = await commitOk(store, 0, sampleChanges(1));
    await commitOk(store, revision, sampleChanges(1, "session-1", 1));
    expect((await fs.readdir(folder)).sort()).toEqual(["catalog.json", "catalog.json.journal", ...others].sort());
  });

  it("keeps the permissions given to the snapshot across compactions", async () => {
    const { store, path } = await freshStore({ compactAfterBytes: 0 });
    const revision = await commitOk(store, 0, sampleChanges(1));
    await fs.chmod(path, 0o600);
    // Far more than half the snapshot: a compaction is due.
    await commitOk(store, revision, sampleChanges(20, "session-1", 1));
    await store.flush();
    expect(store.stats().compactions).toBe(1);
    expect((await fs.stat(path)).mode & 0o777).toBe(0o600);
    expect((await fileStore({ path }).load())?.data).toEqual(sampleCatalog(21));
  });

  it("loads a catalog of 10,000 modules written by another handle", async () => {
    const { store, path } = await freshStore();
    await commitOk(store, 0, sampleChanges(10_000));
    const loaded = await fileStore({ path }).load();
    expect(Object.keys(loaded?.data.modules ?? {})).toHaveLength(10_000);
    expect(loaded?.data).toEqual(sampleCatalog(10_000));
  });
});

describe("MRS-R1 MRS-S11 the journal after a crash, and when damaged", () => {
  /** A store with three commits, its journal's bytes, and the state they add up to. */
  async function threeCommits() {
    const { store, path } = await freshStore({ watch: false });
    let revision = await commitOk(store, 0, sampleChanges(1));
    revision = await commitOk(store, revision, sampleChanges(1, "session-1", 1));
    revision = await commitOk(store, revision, sampleChanges(1, "session-1", 2));
    const journal = `${path}.journal`;
    return { store, path, journal, revision, bytes: await fs.readFile(journal) };
  }

  it("MRS-R1 a torn tail (half a record, as a crash mid-append leaves) is cut back on load; the earlier records stay", async () => {
    const { path, journal, revision, bytes } = await threeCommits();
    const next = encodeRecord(revision + 1, sampleChanges(1, "session-1", 3));
    await fs.appendFile(journal, next.subarray(0, Math.floor(next.length / 2)));

    const reader = fileStore({ path, watch: false });
    const loaded = await reader.load();
    expect(loaded?.revision).toBe(revision);
    expect(loaded?.data).toEqual(sampleCatalog(3));
    expect(await fs.readFile(journal)).toEqual(bytes); // cut back to the last whole record
    expect(reader.stats().tornTailsCut).toBe(1);
    // And the log goes on from there.
    expect(await reader.commit(revision, sampleChanges(1, "session-1", 3))).toEqual({
      ok: true,
      revision: revision + 2,
    });
    expect((await fileStore({ path }).load())?.data).toEqual(sampleCatalog(4));
  });

  it("MRS-R1 a whole last line whose checksum fails (a power cut's garbage) is a torn tail too, cut by the next commit", async () => {
    const { path, journal, revision, bytes } = await threeCommits();
    const next = Buffer.from(encodeRecord(revision + 1, sampleChanges(1, "session-1", 3)));
    next[20] = (next[20] as number) ^ 0x01;
    await fs.appendFile(journal, next);
    const writer = fileStore({ path, watch: false });
    expect(await writer.commit(revision, sampleChanges(1, "session-1", 3))).toEqual({
      ok: true,
      revision: revision + 2,
    });
    expect((await fs.readFile(journal)).subarray(0, bytes.length)).toEqual(bytes);
    expect(writer.stats().tornTailsCut).toBe(1);
    expect((await fileStore({ path }).load())?.data).toEqual(sampleCatalog(4));
  });

  it("a reader without the lock never cuts: changesSince leaves a record being appended alone", async () => {
    const { path, journal, revision } = await threeCommits();
    const next = encodeRecord(revision + 1, sampleChanges(1, "session-1", 3));
    await fs.appendFile(journal, next.subarray(0, 40));
    const size = (await fs.stat(journal)).size;
    const page = await fileStore({ path, watch: false }).changesSince(revision - 2);
    expect(page).toMatchObject({ ok: true, revision });
    expect((await fs.stat(journal)).size).toBe(size);
  });

  it("MRS-S11 a damaged record in the middle is refused with STORE_CORRUPT, and every file is left untouched", async () => {
    const { path, journal, revision } = await threeCommits();
    const lines = (await fs.readFile(journal, "utf8")).split("\n");
    // The second record (line 3 of 4, after the header): one character changed, its checksum kept.
    const damagedAt = Buffer.byteLength(`${lines.slice(0, 2).join("\n")}\n`);
    lines[2] = (lines[2] as string).replace('"module-1"', '"module-X"');
    await fs.writeFile(journal, lines.join("\n"));
    const folder = join(path, "..");
    const before = await folderBytes(folder);

    const store = fileStore({ path, watch: false });
    const loaded = await failureOf(store.load());
    expect(loaded.code).toBe("STORE_CORRUPT");
    expect(loaded.message).toContain(journal);
    expect(loaded.message).toContain(`byte ${damagedAt}`);
    expect(loaded.message).toContain("checksum");
    expect(loaded.hint).toContain(`move ${journal} aside`);
    expect((await failureOf(store.commit(revision, sampleChanges(1, "session-1", 3)))).code).toBe("STORE_CORRUPT");
    expect((await failureOf(store.changesSince(0))).code).toBe("STORE_CORRUPT");
    const registry = createRegistry({ store });
    expect((await failureOf(registry.start())).code).toBe("STORE_CORRUPT");
    expect(await folderBytes(folder)).toEqual(before);
  });

  /** A store compacted after its last commit (its snapshot at the latest revision), as before a journal move. */
  async function compactedStore() {
    const { store, path } = await freshStore({ watch: false, compactAfterBytes: 0 });
    let revision = await commitOk(store, 0, sampleChanges(1));
    revision = await commitOk(store, revision, sampleChanges(20, "session-1", 1));
    await store.flush();
    expect(store.stats().compactions).toBe(1);
    return { path, revision, journal: `${path}.journal`, prev: `${path}.journal.prev` };
  }

  it("MRS-R1 a crash between a compaction's two renames (no journal, only the previous segment) loads, and the next commit starts a journal", async () => {
    const { path, revision, journal, prev } = await compactedStore();
    await fs.rename(journal, prev);
    const store = fileStore({ path, watch: false });
    expect(await store.load()).toEqual({ revision, data: sampleCatalog(21) });
    expect(await store.changesSince(0)).toMatchObject({ ok: true, revision });
    const next = await commitOk(store, revision, sampleChanges(1, "session-1", 21));
    expect((await journalLines(journal))[0]).toContain(`"first":${revision + 1}`);
    const reader = fileStore({ path, watch: false });
    expect(await reader.load()).toEqual({ revision: next, data: sampleCatalog(22) });
    const page = await reader.changesSince(0);
    expect(page.ok && page.changes.map((c) => c.revision)).toEqual(Array.from({ length: next }, (_, i) => i + 1));
  });

  it("MRS-R1 the same file under both journal names (renames whose order a crash lost) loads as the journal", async () => {
    const { path, revision, journal, prev } = await compactedStore();
    await fs.link(journal, prev);
    const store = fileStore({ path, watch: false });
    expect(await store.load()).toEqual({ revision, data: sampleCatalog(21) });
    expect(await store.commit(revision, sampleChanges(1, "session-1", 21))).toMatchObject({ ok: true });
    expect((await fileStore({ path }).load())?.data).toEqual(sampleCatalog(22));
  });

  it("MRS-S11 a damaged record in the previous segment is refused with STORE_CORRUPT when a reader needs it", async () => {
    const { path, revision, journal, prev } = await compactedStore();
    await fs.rename(journal, prev);
    const next = await commitOk(fileStore({ path, watch: false }), revision, sampleChanges(1, "session-1", 21));
    const lines = (await fs.readFile(prev, "utf8")).split("\n");
    lines[1] = (lines[1] as string).replace('"module-0"', '"module-X"');
    await fs.writeFile(prev, lines.join("\n"));
    const store = fileStore({ path, watch: false });
    // The snapshot and the journal hold the state: a load needs no older change.
    expect((await store.load())?.revision).toBe(next);
    expect(await store.changesSince(revision)).toMatchObject({ ok: true, revision: next });
    const failure = await failureOf(store.changesSince(0));
    expect(failure.code).toBe("STORE_CORRUPT");
    expect(failure.message).toContain(prev);
  });

  it("MRS-S11 a journal whose header is not a journal's is refused, not started over", async () => {
    const { path, journal, revision } = await threeCommits();
    const bytes = await fs.readFile(journal);
    await fs.writeFile(journal, `garbage\n${bytes.toString("utf8")}`);
    const store = fileStore({ path, watch: false });
    expect((await failureOf(store.load())).message).toContain("first line is not a journal header");
    expect((await failureOf(store.commit(revision, sampleChanges(1, "session-1", 3)))).code).toBe("STORE_CORRUPT");
  });
});

describe("MRS-S11 a corrupt snapshot is refused and never overwritten", () => {
  const good = (version = 2): string =>
    JSON.stringify({ format: "rune-mrs-catalog", formatVersion: version, revision: 3, data: sampleCatalog(4) });
  const cases: { name: string; content: () => string; problem: string }[] = [
    {
      name: "bad JSON",
      content: () => '{"format": "rune-mrs-catalog", "formatVersion": 2, revis',
      problem: "not valid JSON",
    },
    { name: "a truncated file", content: () => good().slice(0, Math.floor(good().length / 2)), problem: "truncated" },
    { name: "an empty file", content: () => "", problem: "empty" },
    {
      name: "a newer format version",
      content: () => good().replace('"formatVersion":2', '"formatVersion":3'),
      problem: "newer release (format version 3",
    },
    {
      name: "a format version that is not a number",
      content: () => good().replace('"formatVersion":2', '"formatVersion":"2"'),
      problem: 'format version "2" is unknown',
    },
    {
      name: "another format",
      content: () => good().replace("rune-mrs-catalog", "something-else"),
      problem: 'not an MRS catalog file ("format" is "something-else"',
    },
    { name: "a JSON array", content: () => "[1, 2, 3]", problem: "does not hold a JSON object" },
    {
      name: "a catalog without a session",
      content: () =>
        JSON.stringify({ format: "rune-mrs-catalog", formatVersion: 2, revision: 1, data: { modules: {} } }),
      problem: '"data.session"',
    },
    {
      name: "a version 1 catalog without a session",
      content: () =>
        JSON.stringify({ format: "rune-mrs-catalog", formatVersion: 1, revision: 1, data: { modules: {} } }),
      problem: '"data.session"',
    },
    {
      name: "a revision that is not a positive integer",
      content: () => good().replace('"revision":3', '"revision":0'),
      problem: '"revision" is 0',
    },
  ];

  for (const { name, content, problem } of cases) {
    it(`${name}: load, commit and a starting registry fail with STORE_CORRUPT naming the file; its bytes stay`, async () => {
      const { store, path } = await freshStore();
      await fs.writeFile(path, content());
      const before = await fs.readFile(path);

      const loaded = await failureOf(store.load());
      expect(loaded.code).toBe("STORE_CORRUPT");
      expect(loaded.message).toContain(path);
      expect(loaded.message).toContain(problem);
      for (const expected of [0, 1, 3]) {
        expect((await failureOf(store.commit(expected, sampleChanges(1)))).code).toBe("STORE_CORRUPT");
      }
      const registry = createRegistry({ store });
      const started = await failureOf(registry.start());
      expect(started.code).toBe("STORE_CORRUPT");
      expect(started.message).toContain(path);
      const registered = await registry.register({ payload: samplePayload("late") }, "test");
      expect(registered.ok ? [] : registered.errors.map((e) => e.code)).toEqual(["STORE_CORRUPT"]);

      expect(await fs.readFile(path)).toEqual(before);
      expect(await fs.readdir(join(path, ".."))).toEqual(["catalog.json"]); // no journal, no backup, no temp
    });
  }

  it("the error points at the backup, and restoring the backup recovers everything: the journal replays after it", async () => {
    const { store, path } = await freshStore({ compactAfterBytes: 0 });
    let revision = await commitOk(store, 0, sampleChanges(1));
    revision = await commitOk(store, revision, sampleChanges(20, "session-1", 1));
    await store.flush(); // compacted: the first snapshot (the session's) is the backup
    revision = await commitOk(store, revision, sampleChanges(1, "session-1", 21));
    expect(store.stats().compactions).toBe(1);
    await fs.writeFile(path, "{ damaged");
    const failure = await failureOf(store.load());
    expect(failure.code).toBe("STORE_CORRUPT");
    expect(failure.hint).toContain(`${path}.bak`);
    await fs.rename(path, `${path}.damaged`);
    await fs.copyFile(`${path}.bak`, path);
    const restored = await fileStore({ path }).load();
    expect(restored?.revision).toBe(revision);
    expect(restored?.data).toEqual(sampleCatalog(22));
  });

  it("a snapshot that was removed while its backup remains is refused, not restarted", async () => {
    const { store, path } = await freshStore({ compactAfterBytes: 0 });
    const revision = await commitOk(store, 0, sampleChanges(1));
    await commitOk(store, revision, sampleChanges(20, "session-1", 1));
    await store.flush();
    await fs.rm(path);
    const backup = await fs.readFile(`${path}.bak`);
    const loaded = await failureOf(store.load());
    expect(loaded.code).toBe("STORE_CORRUPT");
    expect(loaded.message).toContain(`${path} is missing, but its backup`);
    expect((await failureOf(fileStore({ path }).commit(0, sampleChanges(1)))).code).toBe("STORE_CORRUPT");
    expect(await fs.readFile(`${path}.bak`)).toEqual(backup);
  });

  it("a snapshot corrupted behind a handle's back after it loaded is still refused at commit", async () => {
    const { store, path } = await freshStore();
    const revision = await commitOk(store, 0, sampleChanges(1));
    expect((await store.load())?.revision).toBe(revision);
    await fs.writeFile(path, "garbage that is not a catalog");
    expect((await failureOf(store.commit(revision, sampleChanges(1, "session-1", 1)))).code).toBe("STORE_CORRUPT");
    expect(await fs.readFile(path, "utf8")).toBe("garbage that is not a catalog");
  });

  it("a journal that does not reach back to its snapshot is refused: changes would be missing", async () => {
    const { store, path } = await freshStore({ watch: false });
    const revision = await commitOk(store, 0, sampleChanges(1));
    await commitOk(store, revision, sampleChanges(1, "session-1", 1));
    // The snapshot of a store whose journal lost its first record.
    await fs.writeFile(
      path,
      JSON.stringify({ format: "rune-mrs-catalog", formatVersion: 2, revision: 1, data: sampleCatalog(0) }),
    );
    const lines = await journalLines(`${path}.journal`);
    const header = `${lines[0]?.slice(0, 9)}${lines[0]?.slice(9)}`;
    await fs.writeFile(`${path}.journal`, `${[header, lines[2]].join("\n")}\n`);
    expect((await failureOf(fileStore({ path }).load())).code).toBe("STORE_CORRUPT");
  });
});

describe("MRS-R1 migration from format version 1 (one snapshot file)", () => {
  it("a version 1 catalog loads as the snapshot at its revision, without superseded; the next commit writes version 2", async () => {
    const { path } = await freshStore();
    const old = sampleCatalog(3);
    const superseded = [old.modules["module-0"]];
    const v1 = (revision: number, count: number) =>
      `${JSON.stringify({ format: "rune-mrs-catalog", formatVersion: 1, revision, data: { ...sampleCatalog(count), superseded } })}\n`;
    await fs.writeFile(path, v1(7, 3));
    await fs.writeFile(`${path}.bak`, v1(6, 2));
    const v1Bytes = await fs.readFile(path);

    const store = fileStore({ path });
    const loaded = await store.load();
    expect(loaded).toEqual({ revision: 7, data: old });
    expect(await store.changesSince(7)).toEqual({ ok: true, changes: [], revision: 7 });
    expect(await store.changesSince(0)).toEqual({ ok: false, compacted: true, oldest: 8 });

    // A registry resumes the session it held, and its next commit continues the revisions.
    const registry = createRegistry({ store });
    const report = await registry.start();
    expect(report.resumed).toBe(true);
    expect(report.session.id).toBe("session-1");
    const result = await registry.register({ payload: samplePayload("after-migration") }, "test");
    expect(result.ok).toBe(true);
    expect(registry.revision).toBeGreaterThan(7);

    // Written in version 2 by that commit itself (a version 1 release refuses it rather than lose
    // the journal), the version 1 file kept as the backup.
    const text = await fs.readFile(path, "utf8");
    expect(JSON.parse(text)).toMatchObject({ formatVersion: 2, revision: registry.revision });
    expect(JSON.parse(text).data.superseded).toBeUndefined();
    expect(await fs.readFile(`${path}.bak`)).toEqual(v1Bytes);
    const again = await fileStore({ path }).load();
    expect(Object.keys(again?.data.modules ?? {}).sort()).toEqual([
      "after-migration",
      "module-0",
      "module-1",
      "module-2",
    ]);
    expect((await fileStore({ path: `${path}.bak` }).load())?.revision).toBe(7); // still a catalog that loads
    await registry.close();
  });
});

describe("MRS-R1 a compaction never holds up a commit", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("MRS-R1 a commit is acknowledged once its record is flushed; the compaction runs after its delay", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { store, path } = await freshStore({ watch: false, compactAfterBytes: 0, compactDelayMs: 100 });
    let revision = await commitOk(store, 0, sampleChanges(1));
    revision = await commitOk(store, revision, sampleChanges(20, "session-1", 1));
    // Both commits acknowledged, one compaction waiting for its delay: the snapshot is the session's.
    expect(store.stats().compactions).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    expect(JSON.parse(await fs.readFile(path, "utf8")).revision).toBe(1);
    vi.advanceTimersByTime(99);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1);
    // The timer has handed the compaction to the handle's queue; flush waits for it.
    expect(vi.getTimerCount()).toBe(0);
    await store.flush();
    expect(store.stats().compactions).toBe(1);
    expect(JSON.parse(await fs.readFile(path, "utf8"))).toMatchObject({ revision, data: sampleCatalog(21) });
  });

  it("MRS-R1 close() runs a waiting compaction at once, and leaves no timer", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { store, path } = await freshStore({ watch: false, compactAfterBytes: 0, compactDelayMs: 60_000 });
    const revision = await commitOk(store, 0, sampleChanges(3));
    expect(vi.getTimerCount()).toBe(1);
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(store.stats().compactions).toBe(1);
    expect(JSON.parse(await fs.readFile(path, "utf8"))).toMatchObject({ revision, data: sampleCatalog(3) });
  });

  it("MRS-R1 a new store without its session's snapshot (a crash after the first append) loads, and is compacted after the next commit", async () => {
    const { store, path } = await freshStore({ watch: false });
    const revision = await commitOk(store, 0, sampleChanges(2));
    await fs.rm(path);
    const reader = fileStore({ path, watch: false });
    expect(await reader.load()).toEqual({ revision, data: sampleCatalog(2) });
    await commitOk(reader, revision, sampleChanges(1, "session-1", 2));
    await reader.flush();
    expect(reader.stats().compactions).toBe(1);
    expect(JSON.parse(await fs.readFile(path, "utf8")).data).toEqual(sampleCatalog(3));
  });
});

describe("MRS-R3 compaction and retention", () => {
  it("MRS-R3 the journal is compacted into snapshots, and changesSince still answers for the last 10,000 changes", async () => {
    const { store, path } = await freshStore({ watch: false, compactAfterBytes: 256 * 1024 });
    let revision = await commitOk(store, 0, sampleChanges(1));
    const all: Change[] = sampleChanges(1);
    for (let from = 1; revision < 26_000; from += 250) {
      const changes = sampleChanges(250, "session-1", from);
      revision = await commitOk(store, revision, changes);
      await store.flush();
      all.push(...changes);
    }
    expect(store.stats().compactions).toBeGreaterThan(3);
    const files = (await fs.readdir(join(path, ".."))).sort();
    expect(files).toEqual(["catalog.json", "catalog.json.bak", "catalog.json.journal", "catalog.json.journal.prev"]);

    // A fresh handle: what another process would see.
    const reader = fileStore({ path, watch: false });
    const since = revision - 10_000;
    const page = await reader.changesSince(since);
    if (!page.ok) throw new Error(`compacted, oldest ${page.oldest}`);
    expect(page.changes).toHaveLength(10_000);
    expect(page.changes[0]).toEqual({ ...all[since], revision: since + 1 });
    expect(page.changes.at(-1)?.revision).toBe(revision);
    const limited = await reader.changesSince(since, 7);
    expect(limited.ok && limited.changes.map((c) => c.revision)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => since + i));
    // Older than what is kept: the answer says so, and where the kept changes begin.
    const old = await reader.changesSince(0);
    expect(old.ok).toBe(false);
    if (!old.ok) {
      expect(old.oldest).toBeLessThanOrEqual(since + 1);
      expect(await reader.changesSince(old.oldest - 1)).toMatchObject({ ok: true, revision });
    }
    // The snapshot plus the journal load to the sum of every change.
    const loaded = await reader.load();
    expect(loaded?.revision).toBe(revision);
    expect(loaded?.data).toEqual(applyChanges(null, all));
    // The journal after the snapshot stays within its share: a load never replays the history.
    const snapshotSize = (await fs.stat(path)).size;
    const at = Number(/"revision":(\d+)/.exec((await fs.readFile(path, "utf8")).slice(0, 200))?.[1]);
    const replayed = (await journalLines(`${path}.journal`))
      .slice(1)
      .filter((line) => Number(/"last":(\d+)/.exec(line.slice(0, 60))?.[1]) > at)
      .reduce((bytes, line) => bytes + Buffer.byteLength(line) + 1, 0);
    expect(replayed).toBeLessThanOrEqual(Math.max(256 * 1024, snapshotSize / 2));
  });
});

describe("MRS-R1 MRS-S11 group commit", () => {
  it("200 concurrent registrations on one registry are all acknowledged and durable, after at most 20 fsyncs", async () => {
    const { store, path } = await freshStore();
    const registry = createRegistry({ store });
    await registry.start();
    const names = Array.from({ length: 200 }, (_, i) => `group-${i}`);
    const results = await Promise.all(names.map((name) => registry.register({ payload: samplePayload(name) }, "test")));
    expect(results.filter((result) => !result.ok)).toEqual([]);
    const loaded = await fileStore({ path, watch: false }).load();
    expect(Object.keys(loaded?.data.modules ?? {}).sort()).toEqual([...names].sort());
    const stats = store.stats();
    expect(stats.fsyncs).toBeLessThanOrEqual(20);
    expect(stats.commits).toBeLessThan(20);
    console.info(
      `group commit: 200 registrations in ${stats.commits} commits, ${stats.fsyncs} fsyncs (start included)`,
    );
    await registry.close();
  });
});

describe("fileStore: watching", () => {
  it("tells a watcher of another handle's commit, with the new revision", async () => {
    const { store, path } = await freshStore();
    const changed = new Promise<number>((resolve) => store.watch?.(resolve));
    const changes = sampleChanges(1);
    await fileStore({ path }).commit(0, changes);
    expect(await changed).toBe(changes.length);
    await store.close?.();
  });

  it("is not told of its own commits: only of the other handle's, after them", async () => {
    const { store, path } = await freshStore();
    const told: number[] = [];
    const other = fileStore({ path, watch: false });
    const seen = new Promise<void>((resolve) =>
      store.watch?.((revision) => {
        told.push(revision);
        if (revision >= 5) resolve();
      }),
    );
    const own = await commitOk(store, 0, sampleChanges(1));
    await commitOk(other, own, sampleChanges(1, "session-1", 1));
    await seen;
    expect(told).toEqual([5]);
    await store.close?.();
  });

  it("a registry on the store sees a registration made through another process's handle", async () => {
    const { store, path } = await freshStore();
    const watching = createRegistry({ store });
    await watching.start();
    const seen = new Promise<RegistryEvent>((resolve) =>
      watching.subscribe((event) => {
        if (event.type === "decision" && event.decision.module === "elsewhere") resolve(event);
      }),
    );
    const other = createRegistry({ store: fileStore({ path, watch: false }) });
    await other.start();
    expect((await other.register({ payload: samplePayload("elsewhere") }, "other")).ok).toBe(true);
    await seen;
    expect(watching.module("elsewhere")).toBeDefined();
    await watching.close();
  });

  it("offers no watch when asked not to", async () => {
    const { store } = await freshStore({ watch: false });
    expect(store.watch).toBeUndefined();
  });
});
