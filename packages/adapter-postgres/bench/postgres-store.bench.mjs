// What the PostgreSQL store costs at several catalog sizes: a registration's commit (a decision
// and a module put), the same commit seen by another handle's watcher (NOTIFY), that handle
// reading only those changes (changesSince), and a full load. Each on its own schema, dropped
// at the end. Prints one line per size, medians of RUNS.
// Usage: MRS_POSTGRES_URL=postgres://USER@HOST:PORT/DB node bench/postgres-store.bench.mjs [SIZES=100,2000,10000] [RUNS=15]
// (after a build; a superuser's URL, or a role that may create schemas)
import { randomBytes } from "node:crypto";
import pg from "pg";
import { postgresStore } from "../dist/index.js";

const url = process.env.MRS_POSTGRES_URL;
if (!url) {
  console.error("set MRS_POSTGRES_URL to a PostgreSQL server (tooling/scripts/postgres.sh start DIR prints one)");
  process.exit(2);
}
const sizes = (process.argv[2] ?? "100,2000,10000").split(",").map(Number);
const runs = Number(process.argv[3] ?? 15);
const at = "2026-01-01T00:00:00.000Z";

// The same shape as @rune/mrs-testkit's sampleChanges (that package needs vitest to load).
function registration(i, sessionId = "bench") {
  const name = `module-${i}`;
  const version = `1.${i}.0`;
  const decision = {
    id: `decision-${i}`,
    sessionId,
    at,
    source: "bench",
    outcome: "accepted",
    module: name,
    version,
    errors: [],
    warnings: [],
  };
  const payload = {
    registration_metadata: { module_name: name, module_version: version, registered_at: "2025-12-01T00:00:00Z" },
    capabilities: [
      {
        action: name,
        description: `Runs ${name}`,
        input_schema: { type: "object", properties: { target: { type: "string" } }, required: ["target"] },
        output_schema: { type: "object", properties: { result: { type: "string" } }, required: ["result"] },
      },
    ],
  };
  return [
    { type: "decision.recorded", decision },
    { type: "module.put", record: { payload, source: "bench", acceptedAt: at, decisionId: decision.id } },
  ];
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(1)} ms`;

async function ok(promise) {
  const result = await promise;
  if (!result.ok) throw new Error("commit refused");
  return result.revision;
}

const admin = new pg.Pool({ connectionString: url, max: 2 });
for (const size of sizes) {
  const schema = `bench_${randomBytes(4).toString("hex")}`;
  const writer = postgresStore({ connectionString: url, schema, watch: false });
  const reader = postgresStore({ connectionString: url, schema, watchCoalesceMs: 0 });
  try {
    let revision = await ok(writer.commit(0, [{ type: "session.opened", session: { id: "bench", startedAt: at } }]));
    for (let from = 0; from < size; from += 1_000) {
      const batch = [];
      for (let i = from; i < Math.min(size, from + 1_000); i++) batch.push(...registration(i));
      revision = await ok(writer.commit(revision, batch));
    }
    let waiter = null;
    const stop = reader.watch((heard) => waiter?.(heard));
    await new Promise((resolve) => {
      waiter = resolve;
    });
    const commits = [];
    const heard = [];
    const follows = [];
    for (let run = 0; run < runs; run++) {
      const expected = revision + 2;
      const told = new Promise((resolve) => {
        waiter = (value) => value >= expected && resolve();
      });
      const started = performance.now();
      revision = await ok(writer.commit(revision, registration(size + run)));
      commits.push(performance.now() - started);
      await told;
      heard.push(performance.now() - started);
      const reading = performance.now();
      const page = await reader.changesSince(revision - 2);
      follows.push(performance.now() - reading);
      if (!page.ok || page.changes.length !== 2) throw new Error("the reader did not get the two changes");
    }
    stop();
    const loads = [];
    for (let run = 0; run < Math.min(runs, 7); run++) {
      const started = performance.now();
      await reader.load();
      loads.push(performance.now() - started);
    }
    const { rows } = await admin.query(
      `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS size
       FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [schema],
    );
    console.log(
      `${size} modules (tables ${rows[0].size}): commit of one registration ${ms(median(commits))}, ` +
        `heard by the other handle ${ms(median(heard))}, its changesSince ${ms(median(follows))}, ` +
        `load ${ms(median(loads))} (${reader.reads.jsonBytes} bytes of JSON read in all)`,
    );
  } finally {
    await Promise.all([writer.close(), reader.close()]);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}
await admin.end();
