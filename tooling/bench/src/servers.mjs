// Bench servers in child processes, and bounded autocannon runs against them (cases 4 and 7).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";

/** Connections of every load run. */
export const CONNECTIONS = 10;

/**
 * Starts a server script and waits for its `listening PORT` line.
 *
 * @param {string} script
 * @param {string[]} args
 * @param {Record<string, string>} env
 */
export async function startServer(script, args, env) {
  const child = spawn(process.execPath, [new URL(`./processes/${script}`, import.meta.url).pathname, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: /** @type {import("node:stream").Readable} */ (child.stdout) });
  /** @type {string[]} */
  const said = [];
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 120 s`)), 120_000);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    lines.on("line", (line) => {
      said.push(line);
      const match = /^listening (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    said,
    async stop() {
      if (child.exitCode !== null) return;
      // "close", not "exit": the last line it prints (how many modules it held) is read by then.
      const exited = new Promise((resolve) => child.once("close", resolve));
      child.kill("SIGTERM");
      // A server that does not finish closing in 10 s is killed: the bench must end.
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The CPU time (user + system) a bench server has used so far, in milliseconds. */
export async function cpuOf(/** @type {string} */ server) {
  const usage = /** @type {{ user: number, system: number }} */ (await (await fetch(`${server}/bench/cpu`)).json());
  return (usage.user + usage.system) / 1000;
}

/**
 * One bounded autocannon run against `server`; fails unless every answer was 2xx (a 4xx would
 * measure error paths). Returns the requests per second, and the server's CPU time per request.
 *
 * @param {string} server
 * @param {Omit<autocannon.Options, "url"> & { path: string }} options
 */
export async function load(server, { path, ...options }) {
  const before = await cpuOf(server);
  const result = await autocannon({ url: `${server}${path}`, connections: CONNECTIONS, pipelining: 1, ...options });
  const cpu = (await cpuOf(server)) - before;
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) {
    throw new Error(
      `${server}${path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total}`,
    );
  }
  return { rate: result.requests.average, cpuMs: cpu / result.requests.total };
}

/**
 * The requests per second of load runs, as a report series.
 *
 * @param {string} label
 * @param {{ rate: number }[] | undefined} runs
 */
export const rateSeries = (label, runs) => ({
  label,
  unit: /** @type {const} */ ("/s"),
  values: (runs ?? []).map((run) => run.rate),
});

/**
 * The server's CPU time per request of load runs, as a report series.
 *
 * @param {string} label
 * @param {{ cpuMs: number }[] | undefined} runs
 */
export const cpuSeries = (label, runs) => ({
  label,
  unit: /** @type {const} */ ("ms"),
  values: (runs ?? []).map((run) => run.cpuMs),
});
