import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../../../tooling/scripts/postgres.sh", import.meta.url));

/**
 * Finds the PostgreSQL server the tests use: `MRS_POSTGRES_URL` when set, else a throwaway
 * server that `tooling/scripts/postgres.sh` starts in a temporary folder (installing Debian's
 * `postgresql` when its binaries are missing, as root) and stops at the end. When neither
 * works, the run fails here with the script's message: these tests never skip.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.MRS_POSTGRES_URL;
  if (given !== undefined && given !== "") {
    project.provide("postgresUrl", given);
    return undefined;
  }
  const folder = await mkdtemp(join(tmpdir(), "mrs-postgres-"));
  let url: string;
  try {
    // Ten minutes: the first run on a bare machine may install the server packages.
    const { stdout } = await run("bash", [script, "start", folder], { timeout: 600_000 });
    url = stdout.trim().split("\n").at(-1) ?? "";
    if (!url.startsWith("postgres://")) throw new Error(`postgres.sh printed no URL: ${JSON.stringify(stdout)}`);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(
      `cannot start a PostgreSQL server for the tests (or set MRS_POSTGRES_URL to use a running one):\n${stderr || String(error)}`,
    );
  }
  project.provide("postgresUrl", url);
  return async () => {
    try {
      await run("bash", [script, "stop", folder], { timeout: 120_000 });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The URL of the PostgreSQL server under test (a superuser's: tests create and drop schemas). */
    postgresUrl: string;
  }
}
