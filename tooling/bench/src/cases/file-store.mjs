// Case 5: the file store. A commit against the bare durable write of the same bytes (what any
// crash-safe file store must do at least), and against write-file-atomic; a load against
// reading and parsing the file.
import { promises as fs, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CATALOG_FORMAT, CATALOG_FORMAT_VERSION, fileStore } from "@rune/mrs-adapter-file";
import { memorySource, memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry } from "@rune/mrs-core";
import writeFileAtomic from "write-file-atomic";
import { modulePayload } from "../fixtures.mjs";
import { duration, interleave } from "../harness.mjs";

/** A catalog as a registry stores it: a real session built from `count` generated modules. */
async function catalogOf(/** @type {number} */ count) {
  const store = memoryStore();
  const entries = Array.from({ length: count }, (_, i) => ({ name: `m${i}`, payload: modulePayload(i) }));
  const registry = createRegistry({ store, sources: [memorySource(entries)] });
  await registry.start();
  await registry.close();
  const snapshot = await store.load();
  if (snapshot === null) throw new Error("the session was not stored");
  return snapshot.data;
}

/** The bytes the file store writes for a snapshot (its `encodeCatalog`, which it does not export). */
function encode(/** @type {number} */ revision, /** @type {unknown} */ data) {
  return `${JSON.stringify({ format: CATALOG_FORMAT, formatVersion: CATALOG_FORMAT_VERSION, revision, data })}\n`;
}

let temps = 0;

/**
 * The least a crash-safe replace can do: a new temporary file, written and flushed, renamed over
 * the target, and the folder flushed so that the rename itself survives a power cut.
 */
async function durableWrite(/** @type {string} */ path, /** @type {string} */ text) {
  const temp = `${path}.${process.pid}.${temps++}.tmp`;
  const handle = await fs.open(temp, "wx");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, path);
  const folder = await fs.open(dirname(path), "r");
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/**
 * @param {{ rounds: number, modules: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function fileStoreCase({ rounds, modules, log }) {
  const root = mkdtempSync(join(tmpdir(), "mrs-bench-file-"));
  /** @type {import("../report.mjs").Row[]} */
  const rows = [];
  /** @type {string[]} */
  const notes = [];
  try {
    const sizes = [
      { count: 100, repeat: 20 },
      // Two commits of a 40 MiB catalog a sample: about 2 s a sample, 4 samplers, 6 rounds.
      { count: modules, repeat: 2 },
    ];
    for (const { count, repeat } of sizes) {
      const data = await catalogOf(count);
      // Each side in a folder of its own: a folder fsync flushes only that side's entries.
      const folders = ["store", "bare", "bytes", "wfa"].map((name) => join(root, `${count}-${name}`));
      await Promise.all(folders.map((folder) => fs.mkdir(folder)));
      const [storeDir, bareDir, bytesDir, wfaDir] = /** @type {string[]} */ (folders);
      const store = fileStore({ path: join(storeDir, "catalog.json"), watch: false });
      let revision = /** @type {number | null} */ (null);
      const commitOnce = async () => {
        const result = await store.commit(revision, data);
        if (!result.ok) throw new Error("the bench's commit lost a race it cannot have");
        revision = result.revision;
      };
      await commitOnce();
      const bytes = encode(1, data);
      const size = statSync(join(storeDir, "catalog.json")).size;
      const [commit, bare, preEncoded, wfa] = await interleave(
        [
          duration("commit", commitOnce, { repeat }),
          duration("bare", () => durableWrite(join(bareDir, "catalog.json"), encode(1, data)), { repeat }),
          duration("bare, bytes given", () => durableWrite(join(bytesDir, "catalog.json"), bytes), { repeat }),
          duration(
            "write-file-atomic",
            () => writeFileAtomic(join(wfaDir, "catalog.json"), encode(1, data), { fsync: true }),
            { repeat },
          ),
        ],
        { rounds },
      );
      const ms = (/** @type {string} */ label, /** @type {number[] | undefined} */ values) => ({
        label,
        unit: /** @type {const} */ ("ms"),
        values: /** @type {number[]} */ (values),
      });
      const what = `${count.toLocaleString("en")} modules (${(size / 2 ** 20).toFixed(1)} MiB)`;
      rows.push(
        {
          name: `commit of ${what} vs stringify + temp write + fsync + rename + folder fsync`,
          subject: ms("commit", commit),
          baseline: ms("bare", bare),
          target: { op: "<=", value: 1.5 },
        },
        {
          name: `commit of ${what} vs the same write of bytes already encoded`,
          subject: ms("commit", commit),
          baseline: ms("bare, bytes given", preEncoded),
          note: "the baseline is given the text; the store must JSON.stringify the catalog first",
        },
        {
          name: `commit of ${what} vs write-file-atomic 7 (stringify + write, fsync: true)`,
          subject: ms("commit", commit),
          baseline: ms("write-file-atomic", wfa),
          note: "write-file-atomic does not flush the folder after its rename",
        },
      );
      if (count === modules) {
        const path = join(storeDir, "catalog.json");
        const reader = fileStore({ path, watch: false });
        const [loaded, parsed] = await interleave(
          [
            duration("load", () => reader.load(), { repeat: 2 }),
            duration("read + JSON.parse", async () => JSON.parse(await fs.readFile(path, "utf8")), { repeat: 2 }),
          ],
          { rounds },
        );
        rows.push({
          name: `load of ${what} vs readFile + JSON.parse`,
          subject: ms("load", loaded),
          baseline: ms("read + parse", parsed),
        });
        await reader.close?.();
      }
      await store.close?.();
      log(`  ${count} modules done`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  notes.push(
    `Files are written under ${tmpdir()} (the same disk as the repository here); fsync costs depend on the disk.`,
  );
  return {
    id: "5",
    title: "File store",
    about: [
      "`fileStore` of `@rune/mrs-adapter-file`: `commit` of a catalog built by a real session (generated",
      "modules of 5 capabilities), which takes the cross-process lock, writes and flushes a temporary",
      "file, links the previous version as the backup, renames, flushes the folder and releases the lock;",
      "against the bare sequence (`JSON.stringify` of the same snapshot, temporary file, write, fsync,",
      "rename, folder fsync), the same given the bytes, and `write-file-atomic` 7. Each sample is the",
      "mean of several commits in a row. `load` against `readFile` + `JSON.parse` of the same file.",
    ].join("\n"),
    rows,
    notes,
  };
}
