// The server of the load test, in a child process of its own (run with --expose-gc), so that its
// heap can be measured after a forced collection without the test runner's own allocations.
// It talks to its parent over the IPC channel: it sends {port} once listening, and answers
// {type: "heap"} (after two collections) and {type: "peak"} (the highest heapUsed sampled since
// the last peak request) with {heapUsed}.
import { createMrsServer } from "@rune/mrs-adapter-http";
import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry } from "@rune/mrs-core";

const [token] = process.argv.slice(2);
const store = memoryStore();
const registry = createRegistry({ store });
await registry.start();
const server = createMrsServer({ registry, store, tokens: [{ token, modules: ["*"] }] });
await server.listen({ host: "127.0.0.1", port: 0 });

let peak = 0;
// Sampling is cheap and only needs to catch the order of magnitude of the peak.
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().heapUsed);
}, 50);

process.on("message", (message) => {
  if (message?.type === "heap") {
    globalThis.gc();
    globalThis.gc();
    process.send({ heapUsed: process.memoryUsage().heapUsed });
  } else if (message?.type === "peak") {
    const answer = Math.max(peak, process.memoryUsage().heapUsed);
    peak = 0;
    process.send({ heapUsed: answer });
  } else if (message?.type === "stop") {
    clearInterval(sampler);
    server
      .close()
      .then(() => registry.close())
      .finally(() => process.exit(0));
  }
});
process.send({ port: server.server.address().port });
