// A bounded loopback load test (autocannon, 127.0.0.1 only, a fixed few seconds per phase, sized
// for 2 shared cores): registrations and reads at once, then reads alone, against createMrsServer
// in a child process. Afterwards the catalog must be exactly what RULES.md prescribes, every
// answer must match the recorded decisions, and the server's heap must come back down. No
// assertion is about speed: the numbers are printed for SECURITY.md, not checked.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL, call, validPayload } from "./hostile/http.js";

const SERVER = fileURLToPath(new URL("./hostile/load-server.mjs", import.meta.url));
const NAMES = Array.from({ length: 30 }, (_, i) => `load-${i}`);
const WRITE_SECONDS = 4;
/**
 * At most this many registrations, whatever the machine's speed: the session keeps its latest
 * 10,000 decisions (MAX_DECISIONS), and every answer must still find its own among them.
 */
const MAX_WRITES = 6_000;
const READ_SECONDS = 3;
const CONNECTIONS = { write: 8, read: 4 };

let child: ChildProcess;
let url = "";

/** Asks the child something over IPC and waits for its answer. */
function ask(type: "heap" | "peak"): Promise<number> {
  return new Promise((resolve) => {
    child.once("message", (message: { heapUsed: number }) => resolve(message.heapUsed));
    child.send({ type });
  });
}

beforeAll(async () => {
  child = fork(SERVER, [ALL], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`the load server exited with ${code}`)));
  });
  url = `http://127.0.0.1:${port}`;
}, 30_000);
afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.send({ type: "stop" });
  await exited;
});

/** MAJOR.MINOR.PATCH of plain numbers, compared by SemVer precedence (all this test sends). */
const precedence = (v: string) => v.split(".").map(Number) as [number, number, number];
function compare(a: string, b: string): number {
  const [x, y] = [precedence(a), precedence(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return 0;
}

/** A registration body: mostly valid payloads of a few names and versions, some invalid, some without a token. */
function nextRegistration(): { body: string; token: boolean } {
  const roll = Math.random();
  const name = NAMES[Math.floor(Math.random() * NAMES.length)] as string;
  const version = `${Math.floor(Math.random() * 3)}.${Math.floor(Math.random() * 10)}.${Math.floor(Math.random() * 3)}`;
  if (roll < 0.1) return { body: validPayload(name.toUpperCase(), version), token: true };
  if (roll < 0.15) return { body: validPayload(name, version), token: false };
  return { body: validPayload(name, version, Math.random() < 0.5 ? "run" : "stop"), token: true };
}

interface Seen {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked field by field.
  readonly body: any;
}

describe("load: registrations and reads at once, then reads alone, on loopback", { timeout: 60_000 }, () => {
  const answers: Seen[] = [];
  const measured: Record<string, number> = {};

  it(`MRS-S1 MRS-S3 MRS-S7 MRS-S9 ${WRITE_SECONDS} s of registrations from ${CONNECTIONS.write} connections beside reads: no error, and every answer is a recorded decision`, async () => {
    // Warm up the paths the load will take, so the baseline includes compiled code, not only data.
    for (const name of NAMES.slice(0, 3))
      await call(`${url}/v1/registrations`, { token: ALL, body: validPayload(name, "0.0.0") });
    measured.baselineHeap = await ask("heap");
    await ask("peak");

    const writes = autocannon({
      url,
      connections: CONNECTIONS.write,
      duration: WRITE_SECONDS,
      amount: MAX_WRITES,
      requests: [
        {
          method: "POST",
          path: "/v1/registrations",
          setupRequest: (request) => {
            const { body, token } = nextRegistration();
            return {
              ...request,
              body,
              headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${ALL}` } : {}) },
            };
          },
          onResponse: (status, body) => {
            answers.push({ status, body: JSON.parse(body) });
          },
        },
      ],
    });
    const reads = autocannon({
      url,
      connections: CONNECTIONS.read,
      duration: WRITE_SECONDS,
      requests: [
        { method: "GET", path: "/v1/modules" },
        { method: "GET", path: "/v1/capabilities" },
        { method: "GET", path: `/v1/modules/${NAMES[0]}` },
        { method: "GET", path: `/v1/decisions?module=${NAMES[1]}` },
      ],
    });
    const [w, r] = await Promise.all([writes, reads]);
    measured.peakHeap = await ask("peak");
    measured.writeRequests = w.requests.total;
    measured.writeRequestsPerSecond = w.requests.average;
    measured.writeLatencyP99 = w.latency.p99;
    measured.readRequests = r.requests.total;
    measured.readLatencyP99 = r.latency.p99;

    expect(w.errors + w.timeouts, "no connection errors or timeouts on writes").toBe(0);
    expect(r.errors + r.timeouts, "no connection errors or timeouts on reads").toBe(0);
    expect(r.non2xx, "every read answered 2xx").toBe(0);
    expect(answers.length).toBeGreaterThan(50);
    const statuses = new Set(answers.map((a) => a.status));
    for (const status of statuses) expect([200, 201, 401, 409, 422], "only the API's own answers").toContain(status);
    expect(statuses).toContain(201);

    // Every decision, a page at a time (GET /v1/decisions answers at most 1,000, newest first).
    type Recorded = {
      id: string;
      outcome: string;
      module: string | null;
      version: string | null;
      previousVersion?: string;
      errors: { code: string }[];
    };
    const decisions: Recorded[] = [];
    for (let before: string | undefined; ; ) {
      const page = (await call(`${url}/v1/decisions${before === undefined ? "" : `?before=${before}`}`)).body as {
        decisions: Recorded[];
        next?: string;
      };
      decisions.unshift(...page.decisions);
      if (page.next === undefined) break;
      before = page.next;
    }
    const byId = new Map(decisions.map((d) => [d.id, d]));
    expect(byId.size, "decision ids are unique").toBe(decisions.length);
    let reachingRegistry = 0;
    for (const answer of answers) {
      if (answer.status === 401) continue;
      reachingRegistry += 1;
      const decision = byId.get(answer.body.decisionId);
      // MRS-S9: every answer the registry gave is the decision it recorded, field for field.
      expect(decision, JSON.stringify(answer)).toBeDefined();
      expect(decision?.outcome).toBe(answer.body.outcome);
      expect(decision?.module).toBe(answer.body.module);
      expect(decision?.version).toBe(answer.body.version);
      if (answer.status >= 400) expect(decision?.errors[0]?.code).toBe(answer.body.errors[0].code);
    }
    // Requests cut off when the time ran out may have been decided without their answer being read.
    const warmUp = 3;
    expect(decisions.length).toBeGreaterThanOrEqual(reachingRegistry + warmUp);
    expect(decisions.length).toBeLessThanOrEqual(reachingRegistry + warmUp + CONNECTIONS.write);
    measured.decisions = decisions.length;

    // MRS-S1 MRS-S3 MRS-S7: the catalog holds, for each name accepted, the highest version any
    // accepted or upgraded decision gave it; every upgrade went up.
    const highest = new Map<string, string>();
    for (const d of decisions) {
      if (d.outcome === "rejected" || d.module === null || d.version === null) continue;
      const held = highest.get(d.module);
      if (held === undefined || compare(d.version, held) > 0) highest.set(d.module, d.version);
      if (d.outcome === "upgraded") expect(compare(d.version, d.previousVersion as string)).toBeGreaterThan(0);
    }
    const { modules } = (await call(`${url}/v1/modules`)).body as {
      modules: { module_name: string; module_version: string }[];
    };
    expect(Object.fromEntries(modules.map((m) => [m.module_name, m.module_version]))).toEqual(
      Object.fromEntries(highest),
    );
    // Nothing the tokenless or invalid requests sent got in.
    expect(modules.every((m) => NAMES.includes(m.module_name))).toBe(true);
  });

  it(`MRS-S8 ${READ_SECONDS} s of reads alone: all 2xx, and the server's heap after collection comes back down`, async () => {
    measured.afterWritesHeap = await ask("heap");
    await ask("peak");
    const reads = await autocannon({
      url,
      connections: CONNECTIONS.read,
      duration: READ_SECONDS,
      requests: [
        { method: "GET", path: "/v1/modules" },
        { method: "GET", path: "/v1/capabilities" },
        { method: "GET", path: "/v1/actions" },
        { method: "GET", path: `/v1/modules/${NAMES[2]}` },
        { method: "GET", path: "/v1/decisions" },
        { method: "GET", path: "/v1/session" },
      ],
    });
    measured.readsAlonePeakHeap = await ask("peak");
    measured.afterReadsHeap = await ask("heap");
    measured.readsAloneRequests = reads.requests.total;
    measured.readsAloneLatencyP99 = reads.latency.p99;
    expect(reads.errors + reads.timeouts).toBe(0);
    expect(reads.non2xx).toBe(0);

    // What the session legitimately keeps: its decisions and modules. The heap may hold that (a
    // generous 16 bytes of heap per byte of its JSON) above the baseline, and no more.
    const retained = (await call(`${url}/v1/decisions`)).text.length + (await call(`${url}/v1/modules`)).text.length;
    measured.retainedJsonBytes = retained;
    const MiB = 1024 * 1024;
    expect(measured.afterWritesHeap).toBeLessThan((measured.baselineHeap as number) + 16 * MiB + 16 * retained);
    expect(measured.afterWritesHeap, "the heap went back down after the burst").toBeLessThan(
      measured.peakHeap as number,
    );
    // Reads retain nothing: after reading for seconds, the heap is where it was before.
    expect(measured.afterReadsHeap).toBeLessThan((measured.afterWritesHeap as number) + 8 * MiB);
    expect((await call(`${url}/healthz`)).status).toBe(200);
    // For SECURITY.md: the measured numbers of this run (heap in MiB, latencies in ms).
    const shown = Object.fromEntries(
      Object.entries(measured).map(([k, v]) => [k, k.endsWith("Heap") ? `${(v / MiB).toFixed(1)} MiB` : Math.round(v)]),
    );
    console.log(`load test: ${JSON.stringify(shown)}`);
  });
});
