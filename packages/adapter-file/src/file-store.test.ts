import { promises as fs } from "node:fs";
import { join } from "node:path";
import { createRegistry, MrsFailure, type RegistryEvent } from "@rune/mrs-core";
import { sampleCatalog, samplePayload, testStore } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempFolders, tempFolder } from "../test/support.js";
import { CATALOG_FORMAT_VERSION, type FileStore, fileStore } from "./index.js";

afterAll(removeTempFolders);

testStore("file", {
  // A nested path: the store creates the folders it needs.
  create: async () => fileStore({ path: join(await tempFolder(), "nested", ".lom", "catalog.json") }),
  peer: (store) => fileStore({ path: (store as FileStore).path }),
});

/** A store on a fresh catalog path, and that path. */
async function freshStore(options: { watch?: boolean } = {}): Promise<{ store: FileStore; path: string }> {
  const path = join(await tempFolder(), "catalog.json");
  return { store: fileStore({ path, ...options }), path };
}

/** The `code` and message of what a promise rejected with (an `MrsFailure`'s first error). */
async function failureOf(promise: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MrsFailure) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a rejection, got a result");
}

describe("fileStore: the file", () => {
  it("holds a versioned envelope, small members first", async () => {
    const { store, path } = await freshStore();
    const data = sampleCatalog(2);
    expect(await store.commit(null, data)).toEqual({ ok: true, revision: 1 });
    const text = await fs.readFile(path, "utf8");
    expect(text.startsWith('{"format":"rune-mrs-catalog","formatVersion":1,"revision":1,"data":')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      format: "rune-mrs-catalog",
      formatVersion: CATALOG_FORMAT_VERSION,
      revision: 1,
      data,
    });
  });

  it("keeps the previous good version as FILE.bak, itself a catalog that loads", async () => {
    const { store, path } = await freshStore();
    await store.commit(null, sampleCatalog(1));
    await expect(fs.access(`${path}.bak`)).rejects.toThrow(); // nothing to keep yet
    await store.commit(1, sampleCatalog(2));
    await store.commit(2, sampleCatalog(3));
    const backup = await fileStore({ path: `${path}.bak` }).load();
    expect(backup?.revision).toBe(2);
    expect(backup?.data).toEqual(sampleCatalog(2));
    expect((await store.load())?.revision).toBe(3);
  });

  it("leaves only the catalog and its backup behind, and removes a crashed writer's temporary files", async () => {
    const { store, path } = await freshStore();
    const folder = join(path, "..");
    // What a writer killed mid-commit leaves: its temp catalog, backup link and lock candidate.
    const leftovers = [
      ".catalog.json-4242-00ff.tmp",
      ".catalog.json.bak-4242-0a.tmp",
      ".catalog.json.lock-4242-1b.tmp",
    ];
    for (const name of leftovers) await fs.writeFile(join(folder, name), "{half a cata");
    // Files of someone else, however alike, are not ours to remove.
    const others = ["notes.txt", ".catalog.json.old-1-aa.tmp", ".other.json-1-aa.tmp"];
    for (const name of others) await fs.writeFile(join(folder, name), "keep me");
    expect(await store.load()).toBeNull(); // temp files are never read as the catalog
    await store.commit(null, sampleCatalog(1));
    await store.commit(1, sampleCatalog(1));
    expect((await fs.readdir(folder)).sort()).toEqual(["catalog.json", "catalog.json.bak", ...others].sort());
  });

  it("keeps the permissions given to the catalog file", async () => {
    const { store, path } = await freshStore();
    await store.commit(null, sampleCatalog(1));
    await fs.chmod(path, 0o600);
    await store.commit(1, sampleCatalog(2));
    expect((await fs.stat(path)).mode & 0o777).toBe(0o600);
  });

  it("loads a catalog of 10,000 modules written by another handle", async () => {
    const { store, path } = await freshStore();
    const data = sampleCatalog(10_000);
    await store.commit(null, data);
    const loaded = await fileStore({ path }).load();
    expect(Object.keys(loaded?.data.modules ?? {})).toHaveLength(10_000);
    expect(loaded?.data.modules["module-9999"]).toEqual(data.modules["module-9999"]);
  });
});

describe("MRS-S11 a corrupt catalog file is refused and never overwritten", () => {
  const good = (): string =>
    JSON.stringify({ format: "rune-mrs-catalog", formatVersion: 1, revision: 3, data: sampleCatalog(4) });
  const cases: { name: string; content: () => string; problem: string }[] = [
    {
      name: "bad JSON",
      content: () => '{"format": "rune-mrs-catalog", "formatVersion": 1, revis',
      problem: "not valid JSON",
    },
    { name: "a truncated file", content: () => good().slice(0, Math.floor(good().length / 2)), problem: "truncated" },
    { name: "an empty file", content: () => "", problem: "empty" },
    {
      name: "a newer format version",
      content: () => good().replace('"formatVersion":1', '"formatVersion":2'),
      problem: "newer release (format version 2",
    },
    {
      name: "a format version that is not a number",
      content: () => good().replace('"formatVersion":1', '"formatVersion":"1"'),
      problem: 'format version "1" is unknown',
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
      for (const expected of [null, 1, 3]) {
        expect((await failureOf(store.commit(expected, sampleCatalog(1)))).code).toBe("STORE_CORRUPT");
      }
      const registry = createRegistry({ store });
      const started = await failureOf(registry.start());
      expect(started.code).toBe("STORE_CORRUPT");
      expect(started.message).toContain(path);
      const registered = await registry.register({ payload: samplePayload("late") }, "test");
      expect(registered.ok ? [] : registered.errors.map((e) => e.code)).toEqual(["STORE_CORRUPT"]);

      expect(await fs.readFile(path)).toEqual(before);
      expect(await fs.readdir(join(path, ".."))).toEqual(["catalog.json"]); // no backup of a bad file, no temp
    });
  }

  it("the error points at the backup, and restoring the backup recovers the previous version", async () => {
    const { store, path } = await freshStore();
    await store.commit(null, sampleCatalog(1));
    await store.commit(1, sampleCatalog(2));
    await fs.writeFile(path, "{ damaged");
    try {
      await store.load();
      expect.unreachable("a damaged catalog loaded");
    } catch (error) {
      expect(error).toBeInstanceOf(MrsFailure);
      expect((error as MrsFailure).errors[0]?.hint).toContain(`${path}.bak`);
    }
    await fs.rename(path, `${path}.damaged`);
    await fs.copyFile(`${path}.bak`, path);
    expect((await store.load())?.data).toEqual(sampleCatalog(1));
  });

  it("a catalog file that was removed while its backup remains is refused, not restarted empty", async () => {
    const { store, path } = await freshStore();
    await store.commit(null, sampleCatalog(1));
    await store.commit(1, sampleCatalog(2));
    await fs.rm(path);
    const backup = await fs.readFile(`${path}.bak`);
    const loaded = await failureOf(store.load());
    expect(loaded.code).toBe("STORE_CORRUPT");
    expect(loaded.message).toContain(`${path} is missing, but its backup`);
    expect((await failureOf(store.commit(null, sampleCatalog(1)))).code).toBe("STORE_CORRUPT");
    expect(await fs.readFile(`${path}.bak`)).toEqual(backup);
  });

  it("a file corrupted behind a handle's back after it loaded is still refused at commit", async () => {
    const { store, path } = await freshStore();
    await store.commit(null, sampleCatalog(1));
    expect((await store.load())?.revision).toBe(1);
    await fs.writeFile(path, "garbage that is not a catalog");
    expect((await failureOf(store.commit(1, sampleCatalog(2)))).code).toBe("STORE_CORRUPT");
    expect(await fs.readFile(path, "utf8")).toBe("garbage that is not a catalog");
  });
});

describe("fileStore: watching", () => {
  it("tells a watcher of another handle's commit", async () => {
    const { store, path } = await freshStore();
    const changed = new Promise<void>((resolve) => store.watch?.(resolve));
    await fileStore({ path }).commit(null, sampleCatalog(1));
    await changed;
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
