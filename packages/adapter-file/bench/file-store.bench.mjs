// How the file store's costs grow with the catalog (after a build):
// - a registration's commit (a decision and a module put) with 100 modules held and with 10,000,
//   the mean over many commits, compactions included, the two sizes committed to in turn: it
//   must not grow with the catalog;
// - a load of 100,000 modules (a snapshot plus a journal near its largest, the moment before a
//   compaction) against reading and JSON.parse-ing the same catalog as one JSON file.
// Usage: node --expose-gc bench/file-store.bench.mjs [RUNS=5] [COMMITS=1000] [LOAD_MODULES=100000]
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore } from "../dist/index.js";

const runs = Number(process.argv[2] ?? 5);
const commits = Number(process.argv[3] ?? 1_000);
const loadModules = Number(process.argv[4] ?? 100_000);

const at = "2026-01-01T00:00:00.000Z";
const session = { id: "bench", startedAt: at };

/** The two changes of one accepted registration, as a registry commits them. */
function registration(i) {
  const name = `module-${i}`;
  const version = `1.${i}.0`;
  return [
    {
      type: "decision.recorded",
      decision: {
        id: `decision-${i}`,
        sessionId: session.id,
        at,
        source: "bench",
        outcome: "accepted",
        module: name,
        version,
        errors: [],
        warnings: [],
      },
    },
    {
      type: "module.put",
      record: {
        payload: {
          registration_metadata: { module_name: name, module_version: version, registered_at: "2025-12-01T00:00:00Z" },
          capabilities: [
            {
              action: name,
              description: `Runs ${name}`,
              input_schema: { type: "object", properties: { target: { type: "string" } }, required: ["target"] },
              output_schema: { type: "object", properties: { result: { type: "string" } }, required: ["result"] },
            },
          ],
        },
        source: "bench",
        acceptedAt: at,
        decisionId: `decision-${i}`,
      },
    },
  ];
}

/** The changes of `count` registrations from `from` on (opening the session when `from` is 0). */
function registrations(from, count) {
  const changes = from === 0 ? [{ type: "session.opened", session }] : [];
  for (let i = from; i < from + count; i++) changes.push(...registration(i));
  return changes;
}

async function commitOk(store, expected, changes) {
  const result = await store.commit(expected, changes);
  if (!result.ok) throw new Error(`the bench's commit at ${expected} was refused`);
  return result.revision;
}

/**
 * Between building a catalog and timing commits on it: a garbage collection (when run with
 * --expose-gc) and a pause, so that the build's garbage and the disk's writeback of its files
 * (tens of MiB for 10,000 modules) are not counted as commit costs. Done for every size alike.
 */
async function settle() {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 500));
}

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const root = await mkdtemp(join(tmpdir(), "mrs-file-bench-"));
try {
  console.log(`Node ${process.versions.node}, files under ${tmpdir()}, median of ${runs} runs`);

  // 1. A registration's commit, with 100 and with 10,000 modules held: one store of each size,
  // committed to in turn (one commit on one, one on the other), so that whatever else the
  // machine does (writeback, other processes' fsyncs) falls on both alike.
  const sizes = [100, 10_000];
  const means = Object.fromEntries(sizes.map((held) => [held, []]));
  const compactions = Object.fromEntries(sizes.map((held) => [held, 0]));
  for (let run = 0; run < runs; run++) {
    const stores = [];
    for (const held of sizes) {
      const folder = join(root, `commit-${held}-${run}`);
      const store = fileStore({ path: join(folder, "catalog.json"), watch: false });
      const revision = await commitOk(store, 0, registrations(0, held));
      // Its first compaction (the whole catalog into the snapshot) before any commit is timed.
      await store.flush();
      stores.push({ held, folder, store, revision, before: store.stats(), total: 0n });
    }
    await settle();
    for (let i = 0; i < commits; i++) {
      for (const entry of stores) {
        const start = process.hrtime.bigint();
        entry.revision = await commitOk(entry.store, entry.revision, registration(entry.held + i));
        entry.total += process.hrtime.bigint() - start;
      }
    }
    for (const entry of stores) {
      means[entry.held].push(Number(entry.total) / 1e6 / commits);
      const after = entry.store.stats();
      compactions[entry.held] += after.compactions - entry.before.compactions;
      if (after.fsyncs - entry.before.fsyncs < commits) throw new Error("fewer fsyncs than commits");
      await entry.store.close();
      await rm(entry.folder, { recursive: true, force: true });
    }
  }
  for (const held of sizes) {
    console.log(
      `commit of one registration, ${held.toLocaleString("en")} modules held: ${median(means[held]).toFixed(2)} ms (mean of ${commits} commits; runs ${means[held].map((m) => m.toFixed(2)).join(", ")}; compactions in all: ${compactions[held]})`,
    );
  }
  console.log(
    `  ratio 10,000 / 100 held: ${(median(means[10_000]) / median(means[100])).toFixed(2)}x (target <= 1.3x)`,
  );

  // 2. A load of `loadModules` modules: most in the snapshot, the rest in the journal, just
  // short of the compaction that would fold them in (the largest journal a load replays).
  const folder = join(root, "load");
  const path = join(folder, "catalog.json");
  const writer = fileStore({ path, watch: false });
  const inSnapshot = Math.round(loadModules * 0.75);
  let revision = await commitOk(writer, 0, registrations(0, inSnapshot));
  await writer.flush();
  for (let from = inSnapshot; from < loadModules; from += 1_000) {
    revision = await commitOk(writer, revision, registrations(from, Math.min(1_000, loadModules - from)));
  }
  const journalSize = (await stat(`${path}.journal`)).size;
  const snapshotSize = (await stat(path)).size;
  const loaded = await fileStore({ path, watch: false }).load();
  if (Object.keys(loaded.data.modules).length !== loadModules) throw new Error("the load lost modules");
  // The baseline: the same catalog as one JSON file, read and parsed.
  const single = join(folder, "single.json");
  await writeFile(single, JSON.stringify({ revision: loaded.revision, data: loaded.data }));
  const singleSize = (await stat(single)).size;
  const loads = [];
  const parses = [];
  for (let run = 0; run < runs; run++) {
    let start = process.hrtime.bigint();
    await fileStore({ path, watch: false }).load();
    loads.push(ms(start));
    start = process.hrtime.bigint();
    JSON.parse(await readFile(single, "utf8"));
    parses.push(ms(start));
  }
  const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `load of ${loadModules.toLocaleString("en")} modules (snapshot ${mib(snapshotSize)} + journal ${mib(journalSize)}, compactions: ${writer.stats().compactions}): ${median(loads).toFixed(0)} ms`,
  );
  console.log(
    `  readFile + JSON.parse of the same catalog as one file (${mib(singleSize)}): ${median(parses).toFixed(0)} ms`,
  );
  console.log(`  ratio: ${(median(loads) / median(parses)).toFixed(2)}x (target <= 2x)`);
} finally {
  await rm(root, { recursive: true, force: true });
}
