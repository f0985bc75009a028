// The MRS HTTP API as `lom start` serves it (createMrsServer), on a memory store seeded with the
// shipped examples: the server under test in case 4. Runs in its own process so that the load
// generator does not share its thread. Prints `listening PORT` once ready; SIGTERM stops it.
import { createMrsServer } from "@rune/mrs-adapter-http";
import { memorySource, memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry } from "@rune/mrs-core";
import { examples } from "../fixtures.mjs";

const token = process.env.BENCH_TOKEN;
if (!token) throw new Error("BENCH_TOKEN is not set");

const registry = createRegistry({
  store: memoryStore(),
  sources: [memorySource(examples().map(({ name, value }) => ({ name, payload: value })))],
});
await registry.start();
const server = createMrsServer({ registry, tokens: [{ token, modules: ["*"] }] });
// The process's CPU time so far, read before and after each load run: CPU per request is far
// steadier than requests per second on a machine shared with other work.
server.get("/bench/cpu", async () => process.cpuUsage());
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
