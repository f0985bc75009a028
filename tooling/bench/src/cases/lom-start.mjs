// Case 6: `lom start` with a folder of manifests, the whole process from spawn to /healthz 200,
// against Node starting (`node -e ""`) and a Node process reading and parsing the same files;
// and the peak memory of each.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { modulePayload } from "../fixtures.mjs";
import { interleave } from "../harness.mjs";
import { summarize } from "../stats.mjs";

const require = createRequire(import.meta.url);
/** The built `lom` binary (turbo builds the app before `bench` runs). */
const LOM = join(dirname(require.resolve("@rune/lom/package.json")), "dist", "cli.js");
const PROBE = fileURLToPath(new URL("../processes/usage-probe.mjs", import.meta.url));
const READ = fileURLToPath(new URL("../processes/read-manifests.mjs", import.meta.url));

/** A free port on loopback. */
function freePort() {
  return /** @type {Promise<number>} */ (
    new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    })
  );
}

/**
 * Spawns `node --import usage-probe ARGS`; resolves with the time until `ready()` says so (or
 * the process exits, for the baselines), then stops it and reads its peak RSS and CPU time.
 *
 * @param {string[]} args
 * @param {{ cwd: string, usageFile: string, ready?: (child: import("node:child_process").ChildProcess) => Promise<void> }} options
 */
async function timedProcess(args, { cwd, usageFile, ready }) {
  rmSync(usageFile, { force: true });
  const start = performance.now();
  const child = spawn(process.execPath, ["--import", PROBE, ...args], {
    cwd,
    // lom logs JSON lines to stdout when it is not a terminal: kept, but to nowhere.
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, BENCH_USAGE_FILE: usageFile, NO_COLOR: "1" },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const closed = new Promise((resolve) => child.once("close", (code) => resolve(code)));
  let elapsed;
  if (ready) {
    await ready(child).catch((error) => {
      child.kill("SIGKILL");
      throw new Error(`${error.message}\n${stderr}`);
    });
    elapsed = performance.now() - start;
    child.kill("SIGTERM");
    await closed;
  } else {
    const code = await closed;
    elapsed = performance.now() - start;
    if (code !== 0) throw new Error(`node ${args.join(" ")} exited with ${code}: ${stderr}`);
  }
  const usage = /** @type {{ maxRSS: number, cpu: number }} */ (JSON.parse(readFileSync(usageFile, "utf8")));
  return { ms: elapsed, rssMiB: usage.maxRSS / 1024, cpuMs: usage.cpu / 1000 };
}

/**
 * Polls `url` until it answers 200, every 10 ms, for at most 60 s.
 *
 * @param {string} url
 * @param {import("node:child_process").ChildProcess} child
 */
async function until200(url, child) {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`lom start exited with ${child.exitCode}`);
    const ok = await fetch(url).then(
      (answer) => answer.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} never answered 200`);
}

/**
 * @param {{ rounds: number, manifests: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function lomStartCase({ rounds, manifests, log }) {
  const dir = mkdtempSync(join(tmpdir(), "mrs-bench-lom-"));
  try {
    const folder = join(dir, "modules");
    mkdirSync(folder);
    for (let i = 0; i < manifests; i++) {
      writeFileSync(join(folder, `module-${i}.json`), JSON.stringify(modulePayload(i), null, 2));
    }
    const config = join(dir, "lom.config.json");
    writeFileSync(config, JSON.stringify({ sources: [{ folder: "modules" }], store: "file:state/catalog.json" }));
    const usageFile = join(dir, "usage.json");
    // Memory and CPU of each run, kept beside the times interleave() collects.
    /** @type {Record<"lom" | "node" | "read", { rssMiB: number, cpuMs: number }[]>} */
    const usage = { lom: [], node: [], read: [] };

    const samplers = [
      {
        label: "lom start",
        sample: async () => {
          // A new store each round: the first start of a LOM, discovering every module.
          rmSync(join(dir, "state"), { recursive: true, force: true });
          const port = await freePort();
          const url = `http://127.0.0.1:${port}/healthz`;
          const run = await timedProcess([LOM, "start", "--config", config, "--listen", `127.0.0.1:${port}`], {
            cwd: dir,
            usageFile,
            ready: (child) => until200(url, child),
          });
          usage.lom.push(run);
          return run.ms;
        },
      },
      {
        label: 'node -e ""',
        sample: async () => {
          const run = await timedProcess(["-e", ""], { cwd: dir, usageFile });
          usage.node.push(run);
          return run.ms;
        },
      },
      {
        label: "node read + parse",
        sample: async () => {
          const run = await timedProcess([READ, folder], { cwd: dir, usageFile });
          usage.read.push(run);
          return run.ms;
        },
      },
    ];
    const [lom, node, read] = await interleave(samplers, {
      rounds,
      onRound: (round) => log(`  round ${round + 1} of ${rounds}`),
    });
    // interleave() also ran a warm-up round: its figures are dropped like its times.
    for (const runs of Object.values(usage)) runs.splice(0, runs.length - rounds);
    const rss = (/** @type {"lom" | "node" | "read"} */ side) => usage[side].map((run) => run.rssMiB);
    const cpu = (/** @type {"lom" | "node" | "read"} */ side) => usage[side].map((run) => run.cpuMs);

    const ms = (/** @type {string} */ label, /** @type {number[] | undefined} */ values) => ({
      label,
      unit: /** @type {const} */ ("ms"),
      values: /** @type {number[]} */ (values),
    });
    const mib = (/** @type {string} */ label, /** @type {number[] | undefined} */ values) => ({
      label,
      unit: /** @type {const} */ ("MiB"),
      values: /** @type {number[]} */ (values),
    });
    return {
      id: "6",
      title: "lom start",
      about: [
        `\`lom start --config FILE --listen 127.0.0.1:PORT\` with ${manifests.toLocaleString("en")} manifests in its \`modules\` folder`,
        "(generated modules of 5 capabilities) and a file store created anew each round: the time from",
        "spawning the process to the first `GET /healthz` that answers 200 (polled every 10 ms), so a",
        "new session opened, every manifest read, validated, decided, stored, and the API listening.",
        'Baselines: `node -e ""` (Node\'s own start), and a Node process reading and `JSON.parse`-ing',
        "the same files. Peak memory: each process's maximum resident set size (getrusage, via a",
        "preloaded module), lom's taken when stopped right after it was ready.",
      ].join("\n"),
      rows: [
        {
          name: `lom start, ${manifests.toLocaleString("en")} manifests, to ready vs node -e ""`,
          subject: ms("lom start", lom),
          baseline: ms('node -e ""', node),
        },
        {
          name: `lom start, ${manifests.toLocaleString("en")} manifests, to ready vs node reading + parsing them`,
          subject: ms("lom start", lom),
          baseline: ms("read + parse", read),
          // Issue #16's target.
          target: { op: "<=", value: 4 },
        },
        {
          name: "CPU time (user + system): lom start to ready vs node reading + parsing them",
          subject: ms("lom start", cpu("lom")),
          baseline: ms("read + parse", cpu("read")),
          note: "steadier than wall time on a shared machine; lom's includes its shutdown after ready",
        },
        {
          name: "peak RSS: lom start vs node reading + parsing the manifests",
          subject: mib("lom start", rss("lom")),
          baseline: mib("read + parse", rss("read")),
          note: `node -e "" peaks at ${summarize(rss("node")).median.toFixed(0)} MiB`,
        },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
