// Case 10: heartbeats (RULES.md L2) on the file store with 10,000 leased modules: how many the
// LOM sustains, against registrations on the same server (each a durable write), and the durable
// writes heartbeats cost (the target: none; a lease deadline lives in memory).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { examples } from "../fixtures.mjs";
import { cpuSeries, load, rateSeries, startServer } from "../servers.mjs";

/**
 * @param {{ rounds: number, seconds: number, leased: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function heartbeatsCase({ rounds, seconds, leased, log }) {
  const token = randomBytes(24).toString("hex");
  const root = mkdtempSync(join(tmpdir(), "mrs-bench-beats-"));
  const template = /** @type {{ value: any }} */ (examples()[0]).value;
  const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
  let beat = 0;
  let registered = 0;
  /** @type {{ rate: number, cpuMs: number }[][]} */
  const measured = [[], []];
  /** @type {number[]} */
  const fsyncsPerBeat = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const server = await startServer("mrs-server.mjs", [], {
        BENCH_TOKEN: token,
        BENCH_STORE: `file:${join(root, `r${round}`, "catalog.json")}`,
        BENCH_LEASED: String(leased),
      });
      try {
        const heartbeats = () =>
          load(server.url, {
            path: "/v1/modules/leased-0/heartbeat",
            duration: seconds,
            requests: [
              {
                method: "POST",
                headers,
                body: "{}",
                setupRequest: (request) => ({ ...request, path: `/v1/modules/leased-${beat++ % leased}/heartbeat` }),
              },
            ],
          });
        const registrations = () =>
          load(server.url, {
            path: "/v1/registrations",
            duration: seconds,
            requests: [
              {
                method: "POST",
                path: "/v1/registrations",
                headers,
                setupRequest: (request) => ({
                  ...request,
                  body: JSON.stringify({
                    ...template,
                    registration_metadata: {
                      ...template.registration_metadata,
                      module_name: `reg-${(registered++).toString(36)}`,
                    },
                  }),
                }),
              },
            ],
          });
        await heartbeats(); // warm-up, unrecorded
        const before = await (await fetch(`${server.url}/bench/store`)).json();
        const beats = await heartbeats();
        const after = await (await fetch(`${server.url}/bench/store`)).json();
        fsyncsPerBeat.push((after.fsyncs - before.fsyncs) / Math.max(1, beats.rate * seconds));
        /** @type {{ rate: number, cpuMs: number }[]} */ (measured[0]).push(beats);
        /** @type {{ rate: number, cpuMs: number }[]} */ (measured[1]).push(await registrations());
      } finally {
        await server.stop();
      }
      log(`  heartbeats: round ${round + 1} of ${rounds}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const [beats, regs] = measured;
  return {
    id: "10",
    title: "Heartbeats",
    about: [
      `RULES.md L2: \`POST /v1/modules/{name}/heartbeat\` under autocannon (10 connections, ${seconds} s) against a`,
      `\`createMrsServer\` on a file store holding ${leased.toLocaleString("en")} modules registered with a lease of an hour,`,
      "cycling through them; against `POST /v1/registrations` of new modules on the same server (each a decision",
      "and a module put, appended and flushed). The file store counts its fsyncs during the heartbeats.",
    ].join("\n"),
    rows: [
      {
        name: `heartbeats per second with ${leased.toLocaleString("en")} leased modules vs registrations per second, same server`,
        subject: rateSeries("heartbeats", beats),
        baseline: rateSeries("registrations", regs),
      },
      {
        name: "server CPU per heartbeat vs per registration",
        subject: cpuSeries("heartbeat", beats),
        baseline: cpuSeries("registration", regs),
      },
    ],
    notes: [
      `Durable writes per heartbeat, counted by the file store: ${fsyncsPerBeat.map((f) => f.toFixed(4)).join(", ")} fsyncs per heartbeat in each round (target: 0: a lease deadline lives in memory; only expiry and removal are recorded).`,
    ],
  };
}
