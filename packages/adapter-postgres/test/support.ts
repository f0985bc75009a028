import { randomBytes } from "node:crypto";
import type { RegistryStore } from "@rune/mrs-core";
import pg from "pg";
import { inject } from "vitest";
import { type PostgresStoreOptions, postgresStore } from "../src/index.js";

/** The URL of the server under test, from the global setup. */
export function serverUrl(): string {
  return inject("postgresUrl");
}

/** A name no other test uses, for schemas and `application_name`s (lowercase, so it is a valid schema name). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

const schemas = new Set<string>();

/** A schema name of its own for one test's stores; dropped by {@link cleanUp}. */
export function freshSchema(): string {
  const schema = uniqueName("t");
  schemas.add(schema);
  return schema;
}

/** The server's URL with an `application_name`, so that a test can find (and kill) one pool's connections. */
export function urlFor(applicationName: string): string {
  const url = new URL(serverUrl());
  url.searchParams.set("application_name", applicationName);
  return url.toString();
}

/** A store on the test server, on a fresh schema unless one is given, tagged with its own `application_name`. */
export function storeOn(
  options: Partial<PostgresStoreOptions> & { readonly applicationName?: string } = {},
): ReturnType<typeof postgresStore> {
  const { applicationName, ...rest } = options;
  const schema = rest.schema ?? freshSchema();
  schemas.add(schema);
  return postgresStore({ connectionString: urlFor(applicationName ?? uniqueName("mrs_test")), ...rest, schema });
}

let adminPool: pg.Pool | null = null;

/** A connection pool of the tests' own, for looking at and breaking what the stores do. */
export function admin(): pg.Pool {
  adminPool ??= new pg.Pool({ connectionString: urlFor("mrs_test_admin"), max: 4 });
  return adminPool;
}

/** Ends every connection whose `application_name` is given, as a DBA or a failing network would. Returns how many. */
export async function terminate(applicationName: string, filter = "true"): Promise<number> {
  const { rows } = await admin().query<{ count: number }>(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::integer AS count FROM pg_stat_activity
     WHERE application_name = $1 AND pid <> pg_backend_pid() AND ${filter}`,
    [applicationName],
  );
  return rows[0]?.count ?? 0;
}

/**
 * Waits until `check` holds, polling every 10 ms, and fails after `timeoutMs` saying what did
 * not happen. A bound against hanging, not a speed test: the usual wait is milliseconds.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A bound against hanging, not a speed test: the usual wait is milliseconds. */
const TIMEOUT_MS = 10_000;

/** A promise that fails after {@link TIMEOUT_MS} saying what did not happen. */
export function within<T>(what: string, body: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${TIMEOUT_MS} ms waiting until ${what}`)),
      TIMEOUT_MS,
    );
    body((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Calls of one callback, recorded in order, and a way to wait for one. */
export interface Calls<T> {
  readonly calls: T[];
  /** Resolves with the first call (from now, or already made) that passes `test`. */
  until(what: string, test: (value: T) => boolean): Promise<T>;
  readonly stop: () => void;
}

/** Subscribes a recorder of calls (`subscribe` returns the unsubscribe). */
export function recording<T>(subscribe: (callback: (value: T) => void) => () => void): Calls<T> {
  const calls: T[] = [];
  const waiters = new Set<(value: T) => void>();
  const stop = subscribe((value) => {
    calls.push(value);
    for (const waiter of [...waiters]) waiter(value);
  });
  const until = (what: string, test: (value: T) => boolean) =>
    within<T>(what, (resolve) => {
      const seen = calls.find(test);
      if (seen !== undefined) return resolve(seen);
      const waiter = (value: T) => {
        if (!test(value)) return;
        waiters.delete(waiter);
        resolve(value);
      };
      waiters.add(waiter);
    });
  return { calls, until, stop };
}

/**
 * A store's watch, recording the revisions it is called with; resolved once its connection
 * listens (the first call): from then on, changes and heartbeats are heard.
 */
export async function listening(store: RegistryStore): Promise<Calls<number>> {
  const watch = store.watch;
  if (watch === undefined) throw new Error("the store offers no watch");
  const changes = recording<number>((callback) => watch(callback));
  await changes.until("the store listens", () => true);
  return changes;
}

/** The connections of `application_name` `app` that listen (LISTEN), with their last query. */
export async function listenersOf(app: string): Promise<{ pid: number; query: string }[]> {
  const { rows } = await admin().query<{ pid: number; query: string }>(
    "SELECT pid, query FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%LISTEN%'",
    [app],
  );
  return rows;
}

/** Drops the schemas the file's tests made (the server may be a shared one, given by MRS_POSTGRES_URL). */
export async function cleanUp(): Promise<void> {
  const pool = admin();
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  schemas.clear();
  adminPool = null;
  await pool.end();
}
