// How long the file store takes on a large catalog: a commit (stringify, write, fsync, backup
// link, rename, folder fsync), a load (read, one JSON.parse, envelope checks), and a commit
// by a handle that did not write the file last (it must read and check the file first).
// Usage: node bench/file-store.bench.mjs [MODULES=10000] [RUNS=5]   (after a build)
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore } from "../dist/index.js";

const modules = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);

// The same shape as @rune/mrs-testkit's sampleCatalog (that package needs vitest to load).
function catalog(count) {
  const data = {
    session: { id: "bench", startedAt: "2026-01-01T00:00:00.000Z" },
    modules: {},
    superseded: [],
    decisions: [],
  };
  for (let i = 0; i < count; i++) {
    const name = `module-${i}`;
    data.modules[name] = {
      payload: {
        registration_metadata: { module_name: name, module_version: `1.${i}.0`, registered_at: "2025-12-01T00:00:00Z" },
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
      acceptedAt: "2026-01-01T00:00:00.000Z",
      decisionId: `decision-${i}`,
    };
    data.decisions.push({
      id: `decision-${i}`,
      sessionId: "bench",
      at: "2026-01-01T00:00:00.000Z",
      source: "bench",
      outcome: "accepted",
      module: name,
      version: `1.${i}.0`,
      errors: [],
      warnings: [],
    });
  }
  return data;
}

async function time(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const folder = await mkdtemp(join(tmpdir(), "mrs-file-bench-"));
try {
  const path = join(folder, "catalog.json");
  const data = catalog(modules);
  const writer = fileStore({ path, watch: false });
  const reader = fileStore({ path, watch: false });
  let revision = null;
  const commits = [];
  const loads = [];
  const otherCommits = [];
  for (let i = 0; i < runs; i++) {
    commits.push(await time(async () => ({ revision } = await writer.commit(revision, data))));
    loads.push(await time(() => reader.load()));
    // A commit by the other handle after the writer's: it must read and check the file first.
    await writer.commit(revision, data).then((r) => ({ revision } = r));
    otherCommits.push(await time(async () => ({ revision } = await reader.commit(revision, data))));
  }
  const size = (await stat(path)).size;
  console.log(
    `catalog of ${modules} modules, ${(size / 1024 / 1024).toFixed(1)} MiB, median of ${runs} runs on Node ${process.versions.node}:`,
  );
  console.log(`  commit (writer knows the file):          ${median(commits).toFixed(0)} ms`);
  console.log(`  load (read + parse + checks):            ${median(loads).toFixed(0)} ms`);
  console.log(`  commit after another handle's commit:    ${median(otherCommits).toFixed(0)} ms`);
} finally {
  await rm(folder, { recursive: true, force: true });
}
