import { type SpawnOptions, spawn } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const folders: string[] = [];

/** A fresh folder under the system's temporary folder, removed by {@link removeTempFolders}. */
export async function tempFolder(): Promise<string> {
  const folder = await fs.mkdtemp(join(tmpdir(), "mrs-adapter-file-"));
  folders.push(folder);
  return folder;
}

/** Removes every folder {@link tempFolder} made (restoring permissions a test took away first). */
export async function removeTempFolders(): Promise<void> {
  for (const folder of folders.splice(0)) {
    await fs.chmod(folder, 0o755).catch(() => undefined);
    await fs.rm(folder, { recursive: true, force: true });
  }
}

/** The path of a script under `test/fixtures/`. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/**
 * The process tests run the built package (`dist/`), as a user's program would: turbo builds it
 * before `test`. Run directly, vitest needs a `pnpm turbo run build --filter=@rune/mrs-adapter-file...` first.
 */
export function requireBuilt(): void {
  const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
  if (!existsSync(dist)) throw new Error(`${dist} is missing: build the package before running its process tests`);
}

/** What a finished child process did. */
export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end, collecting its output. */
export function run(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The JSON lines a fixture printed on stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Spawn options that run a child as an unprivileged user. Permission tests need one: root
 * reads and writes whatever the mode bits say (chmod 000 stops nothing). Not root: no change.
 * Root that cannot switch users (a user namespace mapping only uid 0): null, and the caller
 * asserts what root sees instead.
 */
export async function unprivileged(): Promise<SpawnOptions | null> {
  if (process.getuid?.() !== 0) return {};
  const nobody = { uid: 65534, gid: 65534 };
  try {
    const probe = await run(process.execPath, ["-e", "process.exit(process.getuid() === 65534 ? 0 : 1)"], nobody);
    return probe.code === 0 ? nobody : null;
  } catch {
    return null;
  }
}

/** A small seeded generator (mulberry32), so that a failing random schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
