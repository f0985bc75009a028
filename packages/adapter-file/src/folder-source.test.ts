import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { join, relative } from "node:path";
import { createRegistry, type Discovery, MAX_PAYLOAD_BYTES, type RegistrationSource } from "@rune/mrs-core";
import { samplePayload, testSource } from "@rune/mrs-testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, jsonLines, removeTempFolders, requireBuilt, run, tempFolder, unprivileged } from "../test/support.js";
import { fileStore, folderSource } from "./index.js";

afterAll(removeTempFolders);

/** A store for the registry on top: our own file store (adapters never import each other). */
const aStore = async () => fileStore({ path: join(await tempFolder(), "catalog.json"), watch: false });

testSource("folder", {
  async create(entries) {
    const folder = await tempFolder();
    for (const entry of entries) await fs.writeFile(join(folder, `${entry.name}.json`), entry.content);
    return folderSource({ folder });
  },
  store: aStore,
});

/** A folder holding these files (name -> content). */
async function folderWith(files: Record<string, string | Buffer>): Promise<string> {
  const folder = await tempFolder();
  for (const [name, content] of Object.entries(files)) await fs.writeFile(join(folder, name), content);
  return folder;
}

const manifest = (name: string, version = "1.0.0") => JSON.stringify(samplePayload(name, version));

/** The errors of the discovery whose origin ends with `file`. */
function errorsOf(found: readonly Discovery[], file: string) {
  const discovery = found.find((d) => d.origin.endsWith(`/${file}`));
  expect(discovery, `a discovery for ${file}`).toBeDefined();
  return discovery !== undefined && "errors" in discovery ? discovery.errors : [];
}

describe("folderSource: which files, in which order, under which origin", () => {
  it("reads every *.json file directly in the folder, in name order, with origins naming the folder as given", async () => {
    const folder = await folderWith({
      "b.json": manifest("beta"),
      "a.json": manifest("alpha"),
      "C.json": manifest("gamma"),
      "notes.md": "# not a manifest",
      "a.json.orig": manifest("old"),
      ".hidden.json": manifest("hidden"), // an editor's or our own temporary file
    });
    await fs.mkdir(join(folder, "sub"));
    await fs.writeFile(join(folder, "sub", "deep.json"), manifest("deep")); // not recursive
    const shown = relative(process.cwd(), folder);
    const source = folderSource({ folder: shown });
    expect(source.name).toBe(`folder:${shown}`);
    const found = await source.discover();
    expect(found.map((d) => d.origin)).toEqual([
      `folder:${shown}/C.json`,
      `folder:${shown}/a.json`,
      `folder:${shown}/b.json`,
    ]);
    for (const discovery of found) expect("text" in discovery).toBe(true);
  });

  it("keeps the name order with many more files than it reads at once, each file's bytes whole", async () => {
    const names = Array.from({ length: 70 }, (_, i) => `m${String(i).padStart(2, "0")}`);
    // Sizes from 1 byte to ~70 KiB, so that some reads finish long before others started earlier.
    const files = Object.fromEntries(
      names.map((name, i) => [`${name}.json`, i % 7 === 0 ? " ".repeat(i * 1000) + manifest(name) : manifest(name)]),
    );
    const folder = await folderWith(files);
    const found = await folderSource({ folder }).discover();
    expect(found.map((d) => d.origin)).toEqual(names.map((name) => `folder:${folder}/${name}.json`));
    for (const [i, discovery] of found.entries()) {
      const text = "text" in discovery ? discovery.text : undefined;
      expect(Buffer.isBuffer(text) && text.toString("utf8")).toBe(files[`${names[i]}.json`]);
    }
  });

  it("MRS-S9 a registry records one decision per file, the bad ones rejected with their file name", async () => {
    const folder = await folderWith({
      "good.json": manifest("good"),
      "broken.json": '{"registration_metadata": {',
      "empty.json": "",
    });
    const registry = createRegistry({ store: await aStore(), sources: [folderSource({ folder })] });
    const report = await registry.start();
    expect(registry.module("good")?.source).toBe(`folder:${folder}/good.json`);
    const rejected = report.decisions.filter((d) => d.outcome === "rejected");
    expect(rejected.map((d) => [d.source, d.errors[0]?.code])).toEqual([
      [`folder:${folder}/broken.json`, "INVALID_JSON"],
      [`folder:${folder}/empty.json`, "INVALID_JSON"],
    ]);
  });
});

describe("folderSource: files it refuses, each with a clear error, never stopping the others", () => {
  it("refuses symbolic links, inside or outside the folder, naming the link", async () => {
    const outside = await folderWith({ "elsewhere.json": manifest("elsewhere") });
    const folder = await folderWith({ "real.json": manifest("real") });
    await fs.symlink(join(outside, "elsewhere.json"), join(folder, "out.json"));
    await fs.symlink(join(folder, "real.json"), join(folder, "twin.json"));
    await fs.symlink(join(folder, "nowhere.json"), join(folder, "dangling.json"));
    const found = await folderSource({ folder }).discover();
    expect(found).toHaveLength(4);
    for (const link of ["out.json", "twin.json", "dangling.json"]) {
      const [error] = errorsOf(found, link);
      expect(error?.code).toBe("SOURCE_UNAVAILABLE");
      expect(error?.message).toContain(`${folder}/${link} is a symbolic link`);
      expect(error?.hint).toBeDefined();
    }
    expect(found.find((d) => d.origin.endsWith("/real.json"))).toHaveProperty("text");
  });

  it("MRS-E11 refuses a file over 1 MiB from its size, without reading it; a file of exactly 1 MiB is read", async () => {
    const exact = Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20);
    const folder = await folderWith({
      "huge.json": Buffer.alloc(2 * MAX_PAYLOAD_BYTES, 0x20),
      "exact.json": exact,
      "ok.json": manifest("ok"),
    });
    const found = await folderSource({ folder }).discover();
    const [error] = errorsOf(found, "huge.json");
    expect(error?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error?.rule).toBe("E11");
    expect(error?.message).toContain(`${folder}/huge.json is 2097152 bytes`);
    const read = found.find((d) => d.origin.endsWith("/exact.json"));
    expect(read && "text" in read ? read.text.length : -1).toBe(MAX_PAYLOAD_BYTES);
    expect(found.find((d) => d.origin.endsWith("/ok.json"))).toHaveProperty("text");
  });

  it("refuses a folder or a named pipe called *.json, without hanging on the pipe", async () => {
    const folder = await folderWith({ "ok.json": manifest("ok") });
    await fs.mkdir(join(folder, "dir.json"));
    execFileSync("mkfifo", [join(folder, "pipe.json")]);
    const found = await folderSource({ folder }).discover();
    expect(errorsOf(found, "dir.json")[0]?.message).toContain("dir.json is a folder, not a manifest file");
    expect(errorsOf(found, "pipe.json")[0]?.message).toContain("pipe.json is a named pipe, not a manifest file");
    expect(found.find((d) => d.origin.endsWith("/ok.json"))).toHaveProperty("text");
  });

  it("reports a file it may not read (chmod 000) as SOURCE_UNAVAILABLE, naming it", async () => {
    requireBuilt();
    const folder = await folderWith({ "secret.json": manifest("secret"), "ok.json": manifest("ok") });
    await fs.chmod(folder, 0o755); // mkdtemp makes it 0700: the unprivileged reader must get in
    await fs.chmod(join(folder, "secret.json"), 0o000);
    const as = await unprivileged();
    if (as === null) {
      // Root that cannot switch to another user reads through mode bits: the file is delivered.
      const found = await folderSource({ folder }).discover();
      expect(found.find((d) => d.origin.endsWith("/secret.json"))).toHaveProperty("text");
      return;
    }
    // In a child process as an unprivileged user (root reads through any mode bits).
    const finished = await run(process.execPath, [fixture("probe.mjs"), "discover", folder], as);
    const [outcome] = jsonLines(finished.stdout);
    const found = (outcome?.found ?? []) as Discovery[];
    const [error] = errorsOf(found, "secret.json");
    expect(error?.code).toBe("SOURCE_UNAVAILABLE");
    expect(error?.message).toBe(`${folder}/secret.json cannot be read: permission denied (EACCES)`);
    expect(found.find((d) => d.origin.endsWith("/ok.json"))).toHaveProperty("bytes");
  });
});

describe("folderSource: a missing folder", () => {
  it("is an error naming it by default, recorded by a registry as SOURCE_UNAVAILABLE", async () => {
    const missing = join(await tempFolder(), "modules");
    const source = folderSource({ folder: missing });
    await expect(source.discover()).rejects.toThrow(`the folder ${missing} (${missing}) does not exist`);
    const registry = createRegistry({ store: await aStore(), sources: [source] });
    const report = await registry.start();
    expect(report.decisions.map((d) => [d.source, d.outcome, d.errors[0]?.code])).toEqual([
      [`folder:${missing}`, "rejected", "SOURCE_UNAVAILABLE"],
    ]);
  });

  it("is an empty source when optional (a default folder not created yet)", async () => {
    const missing = join(await tempFolder(), "modules");
    expect(await folderSource({ folder: missing, optional: true }).discover()).toEqual([]);
  });

  it("a file where the folder should be is an error even when optional", async () => {
    const folder = await folderWith({ modules: "a file" });
    await expect(folderSource({ folder: join(folder, "modules"), optional: true }).discover()).rejects.toThrow(
      "is not a folder",
    );
  });
});

describe("folderSource: watching", () => {
  let folder: string;
  let source: RegistrationSource;
  beforeAll(async () => {
    folder = await folderWith({ "a.json": manifest("a") });
    source = folderSource({ folder, watch: true, watchDebounceMs: 20 });
  });
  afterAll(() => source.close?.());

  it("tells watchers when a manifest is added, and the next discovery has it", async () => {
    const changed = new Promise<void>((resolve) => source.watch?.(resolve));
    await fs.writeFile(join(folder, "b.json"), manifest("b"));
    await changed;
    expect((await source.discover()).map((d) => d.origin.split("/").pop())).toEqual(["a.json", "b.json"]);
  });

  it("offers no watch unless asked", () => {
    expect(folderSource({ folder }).watch).toBeUndefined();
  });
});
