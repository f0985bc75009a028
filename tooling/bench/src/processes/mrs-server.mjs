// The MRS HTTP API as `lom start` serves it (createMrsServer): the server under test in cases 4,
// 7 and 10. Runs in its own process so that the load generator does not share its thread. Prints
// `listening PORT` once ready; SIGTERM stops it.
//
//   BENCH_TOKEN     the bearer token granted every name (required)
//   BENCH_STORE     `memory` (default) or `file:PATH` (a file store at PATH)
//   BENCH_PRELOAD   discover this many generated modules at start instead of the shipped examples
//   BENCH_LEASED    then register this many more (`leased-N`), each with a lease of an hour (L1)
import { fileStore } from "@rune/mrs-adapter-file";
import { createMrsServer } from "@rune/mrs-adapter-http";
import { memorySource, memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry } from "@rune/mrs-core";
import { examples, modulePayload } from "../fixtures.mjs";

const token = process.env.BENCH_TOKEN;
if (!token) throw new Error("BENCH_TOKEN is not set");
const storeSpec = process.env.BENCH_STORE ?? "memory";
const preload = process.env.BENCH_PRELOAD === undefined ? undefined : Number(process.env.BENCH_PRELOAD);

const store = storeSpec.startsWith("file:") ? fileStore({ path: storeSpec.slice(5), watch: false }) : memoryStore();
const entries =
  preload === undefined
    ? examples().map(({ name, value }) => ({ name, payload: value }))
    : Array.from({ length: preload }, (_, i) => ({ name: `m${i}`, payload: modulePayload(i) }));
const registry = createRegistry({ store, sources: [memorySource(entries)] });
await registry.start();
const leased = Number(process.env.BENCH_LEASED ?? 0);
const answers = await Promise.all(
  Array.from({ length: leased }, (_, i) =>
    registry.register({ payload: modulePayload(100_000 + i, { name: `leased-${i}` }) }, "bench", { lease: 3600 }),
  ),
);
if (answers.some((answer) => !answer.ok)) throw new Error("a leased registration was refused");
const server = createMrsServer({ registry, tokens: [{ token, modules: ["*"] }] });
// The process's CPU time so far, read before and after each load run: CPU per request is far
// steadier than requests per second on a machine shared with other work.
server.get("/bench/cpu", async () => process.cpuUsage());
// What the store did (the file store counts its commits and fsyncs).
server.get("/bench/store", async () => ("stats" in store ? store.stats() : {}));
await server.listen({ host: "127.0.0.1", port: 0 });
const address = server.server.address();
process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);

process.once("SIGTERM", async () => {
  const modules = registry.modules().length;
  await server.close();
  await registry.close();
  process.stdout.write(`modules ${modules}\n`);
  process.exit(0);
});
