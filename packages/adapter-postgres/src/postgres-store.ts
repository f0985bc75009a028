import { randomUUID } from "node:crypto";
import {
  type CatalogData,
  type CommitResult,
  MrsFailure,
  mrsError,
  type RegistryStore,
  type StoreSnapshot,
} from "@rune/mrs-core";
import pg from "pg";
import { type CatalogRow, snapshotFromRow } from "./catalog-row.js";
import { ChangeListener } from "./change-listener.js";
import { checkout } from "./checkout.js";
import { channelOf, checkSchemaName, DEFAULT_SCHEMA, quoteIdent } from "./identifiers.js";
import { migrationsSql, SCHEMA_VERSION } from "./migrations.js";

/** Options of {@link postgresStore}: give `connectionString` or `pool`. */
export interface PostgresStoreOptions {
  /**
   * Where the database is: `postgres://USER:PASSWORD@HOST:5432/DATABASE` (libpq's URL form,
   * `?sslmode=require` and `?application_name=...` included). The store opens its own pool
   * (`application_name` `rune-mrs` unless the URL names one) and ends it on `close()`.
   */
  readonly connectionString?: string;
  /**
   * A `pg.Pool` the host made and owns: the store uses it and never ends it. Keep at least two
   * connections when `watch` is on: one of them is held for LISTEN.
   */
  readonly pool?: pg.Pool;
  /**
   * The schema that holds the store's tables, created if missing. Default `mrs`. Lowercase
   * letters, digits and `_`, at most 48 characters. LOMs that share a catalog use the same
   * database and schema; a schema each keeps catalogs apart (tests use one per store).
   */
  readonly schema?: string;
  /**
   * Run the migrations (see `migrationsSql`) on first use, when the schema is behind. Default
   * `true`. With `false`, the store only checks that the schema is current, and fails with
   * `STORE_UNAVAILABLE` naming the command to run when it is not: for databases whose schema an
   * operator changes by hand, where the LOMs' role may not create tables.
   */
  readonly migrate?: boolean;
  /** Offer `watch()` (LISTEN/NOTIFY), so that a registry follows other LOMs' commits. Default `true`. */
  readonly watch?: boolean;
  /**
   * Notifications that arrive within this many milliseconds of the first are passed on as one
   * call, so that a burst of commits elsewhere costs a watcher one re-read, not one per commit.
   * Default `20`; `0` passes each one on at once.
   */
  readonly watchCoalesceMs?: number;
  /**
   * How often the listening connection, idle otherwise, is checked with `SELECT 1`; when the
   * answer does not come within as long, it is replaced (and watchers re-read). This catches a
   * connection that a firewall or NAT dropped without a word. Default `30000`; `0` never checks.
   */
  readonly watchHeartbeatMs?: number;
}

/** A `RegistryStore` on PostgreSQL, with the schema it uses. */
export interface PostgresStore extends RegistryStore {
  readonly name: "postgres";
  /** The schema holding the tables: `mrs` unless given. */
  readonly schema: string;
}

/**
 * A store on PostgreSQL, for several LOMs sharing one catalog (for availability, or one LOM
 * per region). The catalog is one row, `<schema>.catalog`, written by compare-and-set in one
 * statement, so a commit is atomic and exact however many LOMs write (RULES.md S3-S5 hold
 * across them); every commit notifies the other LOMs in the same transaction (LISTEN/NOTIFY),
 * so their catalogs and event streams follow within a second.
 *
 * On first use the store brings its schema up to date (versioned migrations, under an
 * advisory lock). A failure is thrown as `MrsFailure` with `STORE_UNAVAILABLE` (the database
 * cannot be reached, a commit's connection was lost: whether it went through or not, never a
 * part of it) or `STORE_CORRUPT` (the row cannot be read, or a newer release's schema); the next
 * call uses a fresh connection.
 *
 * @example
 * import { createRegistry } from "@rune/mrs-core";
 * import { postgresStore } from "@rune/mrs-adapter-postgres";
 *
 * const registry = createRegistry({
 *   store: postgresStore({ connectionString: process.env.DATABASE_URL }),
 * });
 * await registry.start();
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
  if ((options.connectionString === undefined) === (options.pool === undefined)) {
    throw new TypeError("postgresStore: give either connectionString or pool (exactly one of them)");
  }
  const ownsPool = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      // Lets an operator tell the LOMs' sessions in pg_stat_activity; a URL's own value wins.
      application_name: "rune-mrs",
      connectionTimeoutMillis: 10_000,
      // A query whose answer never comes (a network that dropped without a reset) fails, and its
      // connection is discarded, rather than holding the registry's writes forever.
      query_timeout: 60_000,
      keepAlive: true,
      // Idle connections alone never keep a process alive.
      allowExitOnIdle: true,
    });
  // An idle connection that dies (server restart, pg_terminate_backend) is dropped by the pool,
  // which then emits "error"; unhandled, that event would end the process. The next query
  // simply opens a new connection.
  const onIdleError = () => undefined;
  pool.on("error", onIdleError);

  const table = `${quoteIdent(schema)}.catalog`;
  const channel = channelOf(schema);
  /** Tags this handle's notifications, so that its own commits do not wake its own watchers. */
  const handleId = randomUUID();
  const statements = {
    // Both columns as text, parsed here: global pg type parsers that a host may have set
    // (for bigint or json) cannot change what the store reads.
    load: `SELECT revision::text AS revision, data::text AS data FROM ${table} WHERE id = 1`,
    // One statement is one transaction: the write and its notification commit together or not
    // at all, and PostgreSQL answers only once the commit is done (the notification is sent at
    // commit). ON CONFLICT DO NOTHING makes a racing insert wait for the first one, then insert
    // nothing: exactly one writer creates the row.
    create: `WITH written AS (
        INSERT INTO ${table} (id, revision, data) VALUES (1, 1, $1::json)
        ON CONFLICT (id) DO NOTHING
        RETURNING revision
      )
      SELECT revision::text AS revision, pg_notify($2, revision::text || ' ' || $3) FROM written`,
    // The compare-and-set: an UPDATE waits for a concurrent one on the row, then re-checks its
    // WHERE against the row as committed, so of two writers naming one revision, one updates and
    // the other updates nothing (a conflict).
    update: `WITH written AS (
        UPDATE ${table} SET revision = revision + 1, data = $1::json, committed_at = now()
        WHERE id = 1 AND revision = $4
        RETURNING revision
      )
      SELECT revision::text AS revision, pg_notify($2, revision::text || ' ' || $3) FROM written`,
  };

  let closed = false;
  let ready: Promise<void> | null = null;
  /** Migrates (or checks) the schema once per handle; a failure is retried at the next call. */
  const ensureReady = (): Promise<void> => {
    if (closed) return Promise.reject(unavailable(`the PostgreSQL store (schema "${schema}") is closed`));
    ready ??= prepareSchema(pool, schema, options.migrate ?? true).catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };

  const watchers = new Set<() => void>();
  let listener: ChangeListener | null = null;
  let coalesceTimer: NodeJS.Timeout | undefined;
  const coalesceMs = options.watchCoalesceMs ?? 20;
  const tell = (watcher: () => void) => {
    try {
      watcher();
    } catch {
      // A watcher's failure is its own; the others are still told.
    }
  };
  const tellWatchers = () => {
    coalesceTimer = undefined;
    for (const watcher of [...watchers]) tell(watcher);
  };
  const changed = () => {
    if (coalesceMs <= 0) return tellWatchers();
    coalesceTimer ??= setTimeout(tellWatchers, coalesceMs);
  };

  const store: PostgresStore = {
    name: "postgres",
    schema,

    async load(): Promise<StoreSnapshot | null> {
      await ensureReady();
      let rows: CatalogRow[];
      try {
        ({ rows } = await pool.query<CatalogRow>(statements.load));
      } catch (error) {
        throw unavailable(`could not read ${table}: ${describe(error)}`, error);
      }
      const row = rows[0];
      return row === undefined ? null : snapshotFromRow(row, `${schema}.catalog`);
    },

    async commit(expected: number | null, data: CatalogData): Promise<CommitResult> {
      // A revision that no row can hold cannot match: a conflict, as the contract says.
      if (expected !== null && !(Number.isSafeInteger(expected) && expected > 0)) return { ok: false, conflict: true };
      await ensureReady();
      const text = JSON.stringify(data);
      // A connection that dies mid-statement also emits "error" on its client, which would end
      // the process unhandled; the statement's own rejection below reports it.
      const ignore = () => undefined;
      let client: pg.PoolClient;
      try {
        client = await checkout(pool, ignore);
      } catch (error) {
        throw unavailable(`could not connect to write ${table}, nothing was written: ${describe(error)}`, error);
      }
      let rows: { revision: string }[];
      try {
        ({ rows } =
          expected === null
            ? await client.query<{ revision: string }>(statements.create, [text, channel, handleId])
            : await client.query<{ revision: string }>(statements.update, [text, channel, handleId, expected]));
      } catch (error) {
        client.off("error", ignore);
        // Never reuse a connection that failed mid-statement: the next call gets a fresh one.
        client.release(true);
        throw commitFailure(table, error);
      }
      client.off("error", ignore);
      client.release();
      const row = rows[0];
      if (row === undefined) return { ok: false, conflict: true };
      return { ok: true, revision: Number(row.revision) };
    },

    close: async () => {
      if (closed) return;
      closed = true;
      watchers.clear();
      listener?.stop();
      listener = null;
      clearTimeout(coalesceTimer);
      if (ownsPool) await pool.end();
      else pool.off("error", onIdleError);
    },
  };

  if (options.watch ?? true) {
    Object.assign(store, {
      /**
       * Calls `onChange` after another handle commits (NOTIFY, usually within milliseconds), and
       * once the store listens: when the watcher is added, and each time the listening
       * connection is re-established, since commits made while nobody listened would otherwise
       * go unnoticed. Commits of this handle are not reported.
       */
      watch(onChange: () => void): () => void {
        if (closed) return () => undefined;
        watchers.add(onChange);
        if (listener?.listening) {
          // Already listening: this watcher's first call, never from inside watch() itself.
          queueMicrotask(() => {
            if (watchers.has(onChange)) tell(onChange);
          });
        }
        listener ??= new ChangeListener({
          pool,
          channel,
          onNotification: (payload) => {
            if (!payload.endsWith(` ${handleId}`)) changed();
          },
          onListening: changed,
          heartbeatMs: options.watchHeartbeatMs ?? 30_000,
        });
        return () => {
          watchers.delete(onChange);
          if (watchers.size === 0) {
            listener?.stop();
            listener = null;
          }
        };
      },
    } satisfies Pick<RegistryStore, "watch">);
  }
  return store;
}

/** Brings the schema up to {@link SCHEMA_VERSION} (or checks it is there), and refuses a newer one. */
async function prepareSchema(pool: pg.Pool, schema: string, migrate: boolean): Promise<void> {
  let version = await schemaVersion(pool, schema);
  // Only a schema that is behind runs the script, so LOMs whose role may not create tables
  // work on a schema an operator migrated.
  if (version < SCHEMA_VERSION && migrate) {
    try {
      await pool.query(migrationsSql({ schema }));
    } catch (error) {
      throw unavailable(`could not migrate the PostgreSQL schema "${schema}": ${describe(error)}`, error);
    }
    version = await schemaVersion(pool, schema);
  }
  if (version > SCHEMA_VERSION) {
    throw new MrsFailure([
      mrsError(
        "STORE_CORRUPT",
        "",
        `the PostgreSQL schema "${schema}" is at version ${version}, made by a newer release; this one knows versions up to ${SCHEMA_VERSION} and leaves it untouched`,
        { hint: "upgrade @rune/mrs-adapter-postgres on this LOM" },
      ),
    ]);
  }
  if (version < SCHEMA_VERSION) {
    throw unavailable(
      `the PostgreSQL schema "${schema}" is at version ${version}, this release needs version ${SCHEMA_VERSION}`,
      undefined,
      `run the migrations: npx mrs-postgres-migrations --schema ${schema} | psql -v ON_ERROR_STOP=1 "$DATABASE_URL" (or set migrate: true)`,
    );
  }
}

/** The last migration recorded in the schema, `0` when there is no schema or table yet. */
async function schemaVersion(pool: pg.Pool, schema: string): Promise<number> {
  try {
    const { rows } = await pool.query<{ version: number }>(
      `SELECT coalesce(max(version), 0)::integer AS version FROM ${quoteIdent(schema)}.schema_migrations`,
    );
    return rows[0]?.version ?? 0;
  } catch (error) {
    // 3F000 no such schema, 42P01 no such table: nothing migrated yet.
    const code = (error as { code?: unknown }).code;
    if (code === "3F000" || code === "42P01") return 0;
    throw unavailable(`could not read the PostgreSQL schema "${schema}": ${describe(error)}`, error);
  }
}

/**
 * Why a commit failed, and whether it may have gone through. An error PostgreSQL raised for the
 * statement rolled it back; a lost connection (or a timeout) leaves the outcome unknown: the
 * commit may have been done just before. Either way nothing is half-written.
 */
function commitFailure(table: string, error: unknown): MrsFailure {
  const severity = (error as { severity?: unknown }).severity;
  if (error instanceof pg.DatabaseError && severity === "ERROR") {
    return unavailable(`the write to ${table} failed and was rolled back: ${describe(error)}`, error);
  }
  return unavailable(
    `the connection to PostgreSQL failed during the write to ${table} (${describe(error)}): it was stored whole or not at all`,
    error,
    "register it again: DUPLICATE_REGISTRATION with identical: true means the first attempt was stored",
  );
}

function unavailable(message: string, cause?: unknown, hint = "try again once PostgreSQL is reachable"): MrsFailure {
  const failure = new MrsFailure([mrsError("STORE_UNAVAILABLE", "", message, { hint })]);
  if (cause !== undefined) failure.cause = cause;
  return failure;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
