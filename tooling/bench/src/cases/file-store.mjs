// Case 5: the file store. A commit of one registration (its decision and its module) against the
// least a durable append of the same changes must do (stringify, append, fsync), with 100 and
// with 10,000 modules held; a load against reading and parsing the state it holds.
import { promises as fs, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore } from "@rune/mrs-adapter-file";
import { memorySource, memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry } from "@rune/mrs-core";
import { acceptedChanges, modulePayload } from "../fixtures.mjs";
import { duration, interleave } from "../harness.mjs";

/** The changes of a first start with `count` generated modules, as a real registry decides them. */
async function startChanges(/** @type {number} */ count) {
  // Keeps every change of the start (a decision and a module each), however many modules.
  const store = memoryStore({ keepChanges: 4 * count + 10 });
  const entries = Array.from({ length: count }, (_, i) => ({ name: `m${i}`, payload: modulePayload(i) }));
  const registry = createRegistry({ store, sources: [memorySource(entries)] });
  await registry.start();
  await registry.close();
  const page = await store.changesSince(0);
  if (!page.ok) throw new Error("the session's changes were not kept");
  return page.changes.map(({ revision: _, ...change }) => change);
}

/** The changes of registration `i` (a decision and a module put), as the registry commits them. */
const registrationChanges = (/** @type {number} */ i) => acceptedChanges(1, 1_000_000 + i);

/** The least a durable append does: the changes as a line of JSON, appended, flushed. */
async function durableAppend(
  /** @type {import("node:fs").promises.FileHandle} */ handle,
  /** @type {unknown} */ changes,
) {
  await handle.appendFile(`${JSON.stringify(changes)}\n`, "utf8");
  await handle.sync();
}

/**
 * @param {{ rounds: number, modules: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function fileStoreCase({ rounds, modules, log }) {
  const root = mkdtempSync(join(tmpdir(), "mrs-bench-file-"));
  /** @type {import("../report.mjs").Row[]} */
  const rows = [];
  const ms = (/** @type {string} */ label, /** @type {number[] | undefined} */ values) => ({
    label,
    unit: /** @type {const} */ ("ms"),
    values: /** @type {number[]} */ (values),
  });
  try {
    for (const count of [100, modules]) {
      const folder = join(root, String(count));
      await fs.mkdir(folder);
      const path = join(folder, "catalog.json");
      const store = fileStore({ path, watch: false });
      const opened = await store.commit(0, await startChanges(count));
      if (!opened.ok) throw new Error("the bench's first commit lost a race it cannot have");
      let revision = opened.revision;
      let next = 0;
      const bare = await fs.open(join(folder, "bare.jsonl"), "a");
      const [commit, append] = await interleave(
        [
          duration(
            "commit",
            async () => {
              const changes = registrationChanges(next++);
              const result = await store.commit(revision, changes);
              if (!result.ok) throw new Error("the bench's commit lost a race it cannot have");
              revision = result.revision;
            },
            { repeat: 20 },
          ),
          duration("append", () => durableAppend(bare, registrationChanges(next++)), { repeat: 20 }),
        ],
        { rounds },
      );
      await bare.close();
      // A compaction the last commits made due runs now, not in the middle of the loads below.
      await store.flush();
      rows.push({
        name: `commit of one registration (2 changes) with ${count.toLocaleString("en")} modules held vs stringify + append + fsync of the same changes`,
        subject: ms("commit", commit),
        baseline: ms("append + fsync", append),
        note: "the store also takes and releases its cross-process lock file (created, written, flushed, removed) and, now and then, finds a compaction due, which runs 100 ms later, outside the commit",
      });
      if (count === modules) {
        const reader = fileStore({ path, watch: false });
        const state = await reader.load();
        const plain = join(folder, "state.json");
        await fs.writeFile(plain, JSON.stringify(state?.data));
        const [loaded, parsed] = await interleave(
          [
            duration("load", () => reader.load(), { repeat: 2 }),
            duration("read + JSON.parse", async () => JSON.parse(await fs.readFile(plain, "utf8")), { repeat: 2 }),
          ],
          { rounds },
        );
        rows.push({
          name: `load of ${count.toLocaleString("en")} modules (snapshot + journal) vs readFile + JSON.parse of the same state`,
          subject: ms("load", loaded),
          baseline: ms("read + parse", parsed),
          target: { op: "<=", value: 2 },
        });
        await reader.close?.();
      }
      await store.close?.();
      log(`  ${count} modules done`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return {
    id: "5",
    title: "File store",
    about: [
      "`fileStore` of `@rune/mrs-adapter-file` (a snapshot and a journal of changes): `commit` of one",
      "registration's changes (a decision and a module put), which takes the cross-process lock, appends a",
      "record with its checksum, flushes the journal and releases the lock, on a store holding 100 or",
      `${modules.toLocaleString("en")} generated modules (5 capabilities each); against the least a durable append does`,
      "(`JSON.stringify` of the same changes, `appendFile`, `fsync`). Each sample is the mean of 20 commits in",
      "a row. `load` against `readFile` + `JSON.parse` of the same state written as one JSON file.",
    ].join("\n"),
    rows,
    notes: [
      `Files are written under ${tmpdir()} (the same disk as the repository here); fsync costs depend on the disk.`,
    ],
  };
}
