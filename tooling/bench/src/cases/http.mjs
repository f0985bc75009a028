// Case 4: the HTTP API under load (autocannon on loopback, bounded in time), against bare
// fastify routes on the same paths. Servers run in child processes, one at a time under load,
// so that each has a core and the load generator the other.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { examples } from "../fixtures.mjs";
import { CONNECTIONS, cpuSeries, load, rateSeries, startServer } from "../servers.mjs";

const ACTION = "ship-logs";

/**
 * @param {{ rounds: number, seconds: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function httpCase({ rounds, seconds, log }) {
  const token = randomBytes(24).toString("hex");
  const folder = mkdtempSync(join(tmpdir(), "mrs-bench-http-"));
  const bodyFile = join(folder, "capability.json");
  const template = /** @type {{ value: any }} */ (examples()[0]).value; // restart-nomad, the spec's payload
  let registered = 0;
  // Each request a new module: every POST is a real registration (201 accepted), never a duplicate.
  const registration = () =>
    JSON.stringify({
      ...template,
      registration_metadata: { ...template.registration_metadata, module_name: `bench-${(registered++).toString(36)}` },
    });
  const post = (/** @type {string} */ server, /** @type {number} */ duration) =>
    load(server, {
      path: "/v1/registrations",
      duration,
      requests: [
        {
          method: "POST",
          path: "/v1/registrations",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          setupRequest: (request) => ({ ...request, body: registration() }),
        },
      ],
    });
  const get = (/** @type {string} */ server, /** @type {number} */ duration, path = `/v1/capabilities/${ACTION}`) =>
    load(server, { path, duration });

  /** @type {{ url: string, said: string[], stop(): Promise<void> } | undefined} */
  let mrs;
  /** @type {{ url: string, said: string[], stop(): Promise<void> } | undefined} */
  let bare;
  /** @type {number[]} */
  const modulesAtEnd = [];
  // Fresh servers every round: the registrations of one round must not slow the next.
  const fresh = async () => {
    await Promise.all([mrs?.stop(), bare?.stop()]);
    if (mrs) modulesAtEnd.push(Number(/modules (\d+)/.exec(mrs.said.join("\n"))?.[1] ?? Number.NaN));
    mrs = await startServer("mrs-server.mjs", [], { BENCH_TOKEN: token });
    const answer = await fetch(`${mrs.url}/v1/capabilities/${ACTION}`);
    if (answer.status !== 200) throw new Error(`GET /v1/capabilities/${ACTION} answered ${answer.status}`);
    writeFileSync(bodyFile, Buffer.from(await answer.arrayBuffer()));
    bare = await startServer("bare-server.mjs", [bodyFile], {});
    // Warm-up, unrecorded: JIT and connection pools of both servers, both routes.
    for (const server of [mrs, bare]) {
      await get(server.url, 1);
      await post(server.url, 1);
    }
    await get(bare.url, 1, `/stringified/${ACTION}`);
  };
  /** @type {{ rate: number, cpuMs: number }[][]} */
  const measured = [[], [], [], [], []];
  for (let round = 0; round < rounds; round++) {
    await fresh();
    const { url: m } = /** @type {{ url: string }} */ (mrs);
    const { url: b } = /** @type {{ url: string }} */ (bare);
    // Each pair alternates which side goes first, round by round (as interleave() does).
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    const reads = [() => get(m, seconds), () => get(b, seconds)];
    const writes = [() => post(m, seconds), () => post(b, seconds)];
    const got = /** @type {{ rate: number, cpuMs: number }[]} */ ([]);
    for (const side of order)
      got[side] = await /** @type {() => Promise<{ rate: number, cpuMs: number }>} */ (reads[side])();
    got[4] = await get(b, seconds, `/stringified/${ACTION}`);
    // Writes last: they grow the MRS catalog, which the reads must not see.
    for (const side of order)
      got[2 + side] = await /** @type {() => Promise<{ rate: number, cpuMs: number }>} */ (writes[side])();
    /** @type {{ rate: number, cpuMs: number }[]} */ for (const [index, value] of got.entries())
      measured[index].push(value);
    log(`  round ${round + 1} of ${rounds}`);
  }
  await Promise.all([mrs?.stop(), bare?.stop()]);
  if (mrs) modulesAtEnd.push(Number(/modules (\d+)/.exec(mrs.said.join("\n"))?.[1] ?? Number.NaN));
  rmSync(folder, { recursive: true, force: true });

  const [mrsGet, bareGet, mrsPost, barePost, bareStringified] = measured;
  return {
    id: "4",
    title: "HTTP API",
    about: [
      `autocannon on 127.0.0.1, ${CONNECTIONS} connections, ${seconds} s per measurement, after a 1 s warm-up of`,
      "each route; requests per second. The MRS server is `createMrsServer` (as `lom start` serves it) on a",
      "memory store seeded with the four examples, each server in its own process, started anew every",
      `round. Reads: \`GET /v1/capabilities/${ACTION}\`, against a bare fastify route returning the very bytes the MRS`,
      "route answered. Registrations: `POST /v1/registrations` of the spec's payload under a new",
      "module name each request (every one a real registration, 201 accepted), against a bare fastify",
      "route that parses the body with `JSON.parse` and answers the same shape. Every answer must be",
      "2xx, or the run fails.",
    ].join("\n"),
    rows: [
      {
        name: `GET /v1/capabilities/${ACTION} vs bare route, same bytes`,
        subject: rateSeries("MRS", mrsGet),
        baseline: rateSeries("bare", bareGet),
        target: { op: ">=", value: 0.7 },
      },
      {
        name: `GET /v1/capabilities/${ACTION} vs bare route serialising the same object`,
        subject: rateSeries("MRS", mrsGet),
        baseline: rateSeries("bare + JSON.stringify", bareStringified),
        note: "the bare route pays JSON.stringify on every request, as the MRS route must; for information",
      },
      {
        name: `GET /v1/capabilities/${ACTION}: server CPU per request`,
        subject: cpuSeries("MRS", mrsGet),
        baseline: cpuSeries("bare", bareGet),
        note: "user + system CPU of the server process over the run / requests answered: steadier than req/s on a shared machine",
      },
      {
        name: "POST /v1/registrations vs bare route parsing the same bytes",
        subject: rateSeries("MRS", mrsPost),
        baseline: rateSeries("bare", barePost),
        target: { op: ">=", value: 0.3 },
        note: `modules held by the MRS server at the end of each round: ${modulesAtEnd.join(", ")}`,
      },
      {
        name: "POST /v1/registrations: server CPU per request",
        subject: cpuSeries("MRS", mrsPost),
        baseline: cpuSeries("bare", barePost),
      },
    ],
  };
}
