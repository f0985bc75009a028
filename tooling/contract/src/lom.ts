// Drives the built `lom` binary the way an operator or a module's CI would: as a process.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built `lom` (turbo builds `@rune/lom` before these tests run). */
export const LOM = fileURLToPath(new URL("../../../apps/lom/dist/cli.js", import.meta.url));

export function scratch(): string {
  return mkdtempSync(join(tmpdir(), "mrs-contract-"));
}

/** Runs `lom ARGS` to its end. */
export function lom(args: readonly string[], cwd: string) {
  const result = spawnSync(process.execPath, [LOM, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A port the system handed out a moment ago. */
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

export interface Running {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `lom start --config FILE --log json` and resolves on its `ready` log line (an event,
 * not a poll); rejects with the output if it exits first.
 */
export async function start(dir: string, config: Record<string, unknown>): Promise<Running> {
  const file = join(dir, "lom.config.json");
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [LOM, "start", "--config", file, "--log", "json"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let output = "";
  const exited = once(child, "exit").then(([code]) => code as number | null);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.split("\n").some((line) => line.includes('"msg":"ready"'))) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    void exited.then((code) => reject(new Error(`lom start exited with ${code} before ready:\n${output}`)));
  });
  const { listen } = config as { listen: string };
  return {
    url: `http://${listen}`,
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** An answer: status, headers and the parsed JSON body (or `null`). */
export interface Answer {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  // biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON, checked field by field.
  readonly body: any;
  readonly text: string;
}

/** One HTTP call. */
export async function http(
  url: string,
  init: { method?: string; token?: string; json?: unknown; body?: string; type?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  if (body !== undefined) headers["content-type"] = init.type ?? "application/json";
  const response = await fetch(url, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, body: json, text };
}

/** The codes of an MRS error body. */
export function codes(body: { errors?: { code: string }[] } | null): string[] {
  return (body?.errors ?? []).map((error) => error.code);
}
