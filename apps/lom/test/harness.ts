import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built `lom` binary (turbo builds the app before its tests run). */
export const LOM = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export function tempDir(prefix = "lom-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A free port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `lom ARGS` to completion. */
export function lom(args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [LOM, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A running `lom start`, with its output so far. */
export interface RunningLom {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `lom start ARGS` and waits until `/healthz` answers 200. */
export function startLom(
  args: readonly string[],
  cwd: string,
  port: number,
  env: Record<string, string> = {},
): Promise<RunningLom> {
  return whenReady(spawnStart(args, cwd, env), port);
}

/** `lom start ARGS` in `cwd`, with its stdout and stderr piped. */
function spawnStart(args: readonly string[], cwd: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [LOM, "start", ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
}

/** Collects a child's stdout and stderr as they arrive, and its exit code. */
function follow(child: ChildProcess): Omit<SpawnedLom, "child"> {
  const seen = { text: "" };
  const collect = (data: Buffer) => {
    seen.text += data;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { seen, exited };
}

/** Follows a `lom start` child (spawned however the test needs) until `/healthz` answers 200 on `port`. */
export async function whenReady(child: ChildProcess, port: number): Promise<RunningLom> {
  const { seen, exited } = follow(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`lom start exited with ${child.exitCode}: ${seen.text}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i === 150) {
      child.kill("SIGKILL");
      throw new Error(`lom start never became ready: ${seen.text}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    url,
    output: () => seen.text,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A `lom start` child spawned by {@link spawnJsonLom}: its output so far, and its exit. */
export interface SpawnedLom {
  readonly child: ChildProcess;
  /** stdout and stderr as they arrive (for {@link outputMatching}). */
  readonly seen: { text: string };
  /** The exit code, once it has exited (`null` when a signal ended it). */
  readonly exited: Promise<number | null>;
}

/** Spawns `lom start --config lom.config.json --log json` in `dir`, collecting its output as it comes. */
export function spawnJsonLom(dir: string): SpawnedLom {
  const child = spawnStart(["--config", "lom.config.json", "--log", "json"], dir);
  return { child, ...follow(child) };
}

/** Writes a `lom.config.json` in `dir` and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, "lom.config.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * Resolves with the output so far once a child's stdout or stderr matches `pattern`; rejects if it
 * exits first. `seen.text` must be filled by listeners added before this call (an event, not a poll).
 */
export function outputMatching(child: ChildProcess, pattern: RegExp, seen: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(seen.text)) return;
      cleanup();
      resolve(seen.text);
    };
    const exited = (code: number | null) => {
      cleanup();
      reject(new Error(`lom start exited with ${code} before ${pattern}: ${seen.text}`));
    };
    const cleanup = () => {
      child.stdout?.off("data", check);
      child.stderr?.off("data", check);
      child.off("exit", exited);
    };
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", exited);
    check();
  });
}
