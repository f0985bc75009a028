import { randomUUID } from "node:crypto";
import {
  type Change,
  type ChangesPage,
  type CommitResult,
  type Decision,
  MIN_CHANGES_KEPT,
  type ModuleRecord,
  MrsFailure,
  mrsError,
  type RegistryStore,
  type RevisionedChange,
  type StoreSnapshot,
} from "@rune/mrs-core";
import pg from "pg";
import { ChangeListener } from "./change-listener.js";
import { checkout } from "./checkout.js";
import { channelOf, checkSchemaName, DEFAULT_SCHEMA, heartbeatChannelOf, quoteIdent } from "./identifiers.js";
import { migrationsSql, SCHEMA_VERSION } from "./migrations.js";
import { type ChangeRow, changeFromRow, corrupt, encodeBatch, parse, recordOf, revisionOf, sessionOf } from "./rows.js";
import { statementsFor } from "./statements.js";

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
  /**
   * Offer `watch()` and `watchHeartbeats()` (LISTEN/NOTIFY), so that a registry follows other
   * LOMs' commits and hears the heartbeats they received. Default `true`.
   */
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
  /**
   * How many of the latest changes to keep for `changesSince` (RULES.md R3). Default and
   * minimum: 10,000. Older ones are deleted in batches of 1,000, so up to 1,000 more are held.
   */
  readonly keepChanges?: number;
}

/** A `RegistryStore` on PostgreSQL, with the schema it uses and what it has read. */
export interface PostgresStore extends RegistryStore {
  readonly name: "postgres";
  /**
   * Tells the other handles on the schema (other LOMs) that `module` heartbeated (RULES.md L6):
   * one `pg_notify` on the schema's heartbeat channel, no table written. Not durable: a beat that
   * nobody hears is lost. Offered whatever `watch` says.
   */
  publishHeartbeat(module: string): Promise<void>;
  /** The schema holding the tables: `mrs` unless given. */
  readonly schema: string;
  /**
   * What this handle has read from the database since it was made: a copy, taken at each read of
   * the property. For tests and monitoring: a LOM that follows another's registration reads
   * that registration's change rows, not the catalog.
   */
  readonly reads: PostgresStoreReads;
}

/** Counters of what a {@link PostgresStore} handle read (see `PostgresStore.reads`). */
export interface PostgresStoreReads {
  /** `load()` calls that read the tables. */
  readonly loads: number;
  /** `changesSince()` calls answered (with changes, none, or "compacted"). */
  readonly changePages: number;
  /** Revisions read alone: a watcher's read when its connection starts listening, an empty commit's check. */
  readonly heads: number;
  /** Rows read from each table (the `state` row is not counted). */
  readonly changeRows: number;
  readonly moduleRows: number;
  readonly decisionRows: number;
  /** Bytes of JSON text read (UTF-8): sessions, records, decisions and change bodies. */
  readonly jsonBytes: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A store on PostgreSQL, for several LOMs sharing one catalog (for availability, or one LOM
 * per region). The catalog is kept as rows: a log of changes with revisions (`changes`), the
 * state they add up to (`modules`, `decisions`), and one `state` row with the revision and the
 * session. A commit is one statement: a compare-and-set on the state row's revision, the new
 * changes inserted and applied to the tables, and a notification, all in one transaction (so
 * RULES.md S3-S5 hold across LOMs, and a commit costs what it changes: R1). The other LOMs
 * hear the notification (LISTEN/NOTIFY, with the new revision) and read only the changes after
 * the revision they hold.
 *
 * On first use the store brings its schema up to date (versioned migrations, under an
 * advisory lock; a database of the previous one-row layout is carried over). A failure is
 * thrown as `MrsFailure` with `STORE_UNAVAILABLE` (the database cannot be reached, a commit's
 * connection was lost: whether it went through or not, never a part of it) or `STORE_CORRUPT`
 * (rows that cannot be a catalog, or a newer release's schema); the next call uses a fresh
 * connection.
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
  const keep = Math.max(MIN_CHANGES_KEPT, options.keepChanges ?? MIN_CHANGES_KEPT);
  if (!Number.isSafeInteger(keep)) throw new TypeError("postgresStore: keepChanges must be an integer");
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

  const sql = statementsFor(schema, keep);
  const tables = {
    state: `${schema}.state`,
    changes: `${schema}.changes`,
    modules: `${schema}.modules`,
    decisions: `${schema}.decisions`,
  };
  const channel = channelOf(schema);
  const beatChannel = heartbeatChannelOf(schema);
  /** Tags this handle's notifications, so that its own commits and heartbeats do not wake its own watchers. */
  const handleId = randomUUID();
  const reads: Mutable<PostgresStoreReads> = {
    loads: 0,
    changePages: 0,
    heads: 0,
    changeRows: 0,
    moduleRows: 0,
    decisionRows: 0,
    jsonBytes: 0,
  };
  const counted = (text: string) => {
    reads.jsonBytes += Buffer.byteLength(text, "utf8");
    return text;
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

  /** The revision, read alone on `client` (or the pool). */
  const readHead = async (client: pg.Pool | pg.PoolClient): Promise<number> => {
    const { rows } = await client.query<{ revision: string }>(sql.head);
    reads.heads += 1;
    const row = rows[0];
    if (row === undefined) throw corrupt(tables.state, "it holds no row");
    return revisionOf(row.revision, tables.state);
  };

  const watchers = new Set<(revision: number) => void>();
  const beatWatchers = new Set<(module: string) => void>();
  let listener: ChangeListener | null = null;
  let coalesceTimer: NodeJS.Timeout | undefined;
  /** The highest revision heard and not yet passed on (-1: none). */
  let heard = -1;
  /** The highest revision this handle knows of (heard, read with a LISTEN, or its own commit), for a watcher added while it listens. */
  let latest = 0;
  const coalesceMs = options.watchCoalesceMs ?? 20;
  const tell = (watcher: (revision: number) => void, revision: number) => {
    try {
      watcher(revision);
    } catch {
      // A watcher's failure is its own; the others are still told.
    }
  };
  const tellWatchers = () => {
    coalesceTimer = undefined;
    const revision = heard;
    heard = -1;
    if (revision < 0) return;
    for (const watcher of [...watchers]) tell(watcher, revision);
  };
  const changed = (revision: number) => {
    heard = Math.max(heard, revision);
    latest = Math.max(latest, revision);
    if (coalesceMs <= 0) return tellWatchers();
    coalesceTimer ??= setTimeout(tellWatchers, coalesceMs);
  };

  const store: PostgresStore = {
    name: "postgres",
    schema,

    get reads(): PostgresStoreReads {
      return { ...reads };
    },

    async load(): Promise<StoreSnapshot | null> {
      await ensureReady();
      return withClient(pool, `could not read the tables of the PostgreSQL schema "${schema}"`, async (client) => {
        // One snapshot for the three reads (the revision, the modules and the decisions agree),
        // in one round trip: a simple query of several statements, none with parameters.
        const results = (await client.query(
          `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${sql.loadState}; ${sql.loadModules}; ${sql.loadDecisions}; COMMIT`,
        )) as unknown as pg.QueryResult[];
        const [stateRows, moduleRows, decisionRows] = [1, 2, 3].map((i) => results[i]?.rows ?? []) as [
          { revision: string; session: string | null }[],
          { name: string; record: string; state: string | null }[],
          { decision: string }[],
        ];
        reads.loads += 1;
        const state = stateRows[0];
        if (state === undefined) throw corrupt(tables.state, "it holds no row");
        const revision = revisionOf(state.revision, tables.state);
        if (state.session === null) return null;
        const session = sessionOf(counted(state.session), tables.state);
        const modules: Record<string, ModuleRecord> = {};
        for (const row of moduleRows) {
          // defineProperty, not an assignment: a name is data, never a path to a prototype (E12).
          Object.defineProperty(modules, row.name, {
            value: recordOf(parse(counted(row.record), tables.modules, `the module ${row.name}`), row.state),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        const decisions = decisionRows.map(
          (row) => parse(counted(row.decision), tables.decisions, "a decision") as Decision,
        );
        reads.moduleRows += moduleRows.length;
        reads.decisionRows += decisionRows.length;
        return { revision, data: { session, modules, decisions } };
      });
    },

    async commit(expected: number, changes: readonly Change[]): Promise<CommitResult> {
      // A revision that the store cannot be at cannot match: a conflict, as the contract says.
      if (!(Number.isSafeInteger(expected) && expected >= 0)) return { ok: false, conflict: true };
      // Encoded before anything is sent: a batch that cannot be written fails whole, writing nothing.
      const batch = encodeBatch(changes);
      await ensureReady();
      if (changes.length === 0 || (expected === 0 && changes[0]?.type !== "session.opened")) {
        // Nothing to write, or a batch that an empty store cannot take: only the revision decides.
        const head = await withClient(pool, `could not read ${tables.state}`, readHead);
        if (head !== expected) return { ok: false, conflict: true };
        if (head === 0) throw new TypeError("the first change of an empty store must open a session");
        return { ok: true, revision: head };
      }
      // A connection that dies mid-statement also emits "error" on its client, which would end
      // the process unhandled; the statement's own rejection below reports it.
      const ignore = () => undefined;
      let client: pg.PoolClient;
      try {
        client = await checkout(pool, ignore);
      } catch (error) {
        throw unavailable(
          `could not connect to write to the schema "${schema}", nothing was written: ${describe(error)}`,
          error,
        );
      }
      let rows: { revision: string }[];
      try {
        ({ rows } = await client.query<{ revision: string }>(sql.commit, [
          expected,
          batch.types,
          batch.bodies,
          batch.sessionAt,
          batch.putAt,
          batch.putNames,
          batch.putStates,
          batch.removed,
          batch.stateNames,
          batch.states,
          batch.decisionsAt,
          channel,
          handleId,
        ]));
      } catch (error) {
        client.off("error", ignore);
        // Never reuse a connection that failed mid-statement: the next call gets a fresh one.
        client.release(true);
        throw commitFailure(schema, error);
      }
      client.off("error", ignore);
      client.release();
      const row = rows[0];
      if (row === undefined) return { ok: false, conflict: true };
      const revision = Number(row.revision);
      latest = Math.max(latest, revision);
      return { ok: true, revision };
    },

    async changesSince(since: number, limit?: number): Promise<ChangesPage> {
      if (!Number.isSafeInteger(since)) throw new TypeError(`changesSince: since must be an integer, got ${since}`);
      const max = limit === undefined || limit === Number.POSITIVE_INFINITY ? null : limit;
      if (max !== null && !(Number.isSafeInteger(max) && max >= 0)) {
        throw new TypeError(`changesSince: limit must be a non-negative integer, got ${limit}`);
      }
      await ensureReady();
      let rows: (ChangeRow & { head: string; oldest: string } & { revision: string | null })[];
      try {
        ({ rows } = await pool.query(sql.changesSince, [since, max]));
      } catch (error) {
        throw unavailable(`could not read ${tables.changes}: ${describe(error)}`, error);
      }
      const first = rows[0];
      if (first === undefined) throw corrupt(tables.state, "it holds no row");
      const head = revisionOf(first.head, tables.state);
      const oldest = revisionOf(first.oldest, tables.state);
      reads.changePages += 1;
      if (since < oldest - 1) return { ok: false, compacted: true, oldest };
      const found: RevisionedChange[] = [];
      for (const row of rows) {
        if (row.revision === null) continue;
        counted(row.body);
        found.push(changeFromRow(row as ChangeRow, tables.changes));
      }
      reads.changeRows += found.length;
      return { ok: true, changes: found, revision: head };
    },

    async publishHeartbeat(module: string): Promise<void> {
      if (closed) throw unavailable(`the PostgreSQL store (schema "${schema}") is closed`);
      try {
        // "<handle id> <module>": the id (a UUID, no space) first, so that the module is the rest.
        await pool.query(HEARTBEAT, [beatChannel, `${handleId} ${module}`]);
      } catch (error) {
        throw unavailable(
          `could not publish the heartbeat of ${module} on the schema "${schema}": ${describe(error)}`,
          error,
        );
      }
    },

    close: async () => {
      if (closed) return;
      closed = true;
      watchers.clear();
      beatWatchers.clear();
      listener?.stop();
      listener = null;
      clearTimeout(coalesceTimer);
      if (ownsPool) await pool.end();
      else pool.off("error", onIdleError);
    },
  };

  /** Starts the one listening connection (both channels) unless it runs. */
  const listen = (): void => {
    listener ??= new ChangeListener({
      pool,
      channels: [channel, beatChannel],
      onNotification: (from, payload) => {
        if (from === beatChannel) {
          // "<handle id> <module>", sent by publishHeartbeat; a handle skips its own.
          const space = payload.indexOf(" ");
          if (space < 0 || payload.slice(0, space) === handleId) return;
          const module = payload.slice(space + 1);
          for (const watcher of [...beatWatchers]) {
            try {
              watcher(module);
            } catch {
              // A watcher's failure is its own; the others are still told.
            }
          }
          return;
        }
        // "<revision> <handle id>", sent by a commit; a handle skips its own.
        const [revision, handle] = payload.split(" ");
        const value = Number(revision);
        if (handle !== handleId && Number.isSafeInteger(value)) changed(value);
      },
      beforeListen: ensureReady,
      // Read with the LISTEN: whatever was committed before it is at most this revision.
      readWithListen: sql.head,
      onListening: (rows) => {
        reads.heads += 1;
        const row = rows[0] as { revision: string } | undefined;
        if (row === undefined) throw corrupt(tables.state, "it holds no row");
        changed(revisionOf(row.revision, tables.state));
      },
      heartbeatMs: options.watchHeartbeatMs ?? 30_000,
    });
  };
  /** Ends the listening connection once nobody watches changes or heartbeats. */
  const unlistenIfIdle = (): void => {
    if (watchers.size > 0 || beatWatchers.size > 0) return;
    listener?.stop();
    listener = null;
  };

  if (options.watch ?? true) {
    Object.assign(store, {
      /**
       * Calls `onChange` with the new revision after another handle commits (NOTIFY, usually
       * within milliseconds), and once the store listens: when the watcher is added, and each
       * time the listening connection is re-established, with the revision read then, since
       * commits made while nobody listened would otherwise go unnoticed. Commits of this
       * handle are not reported.
       */
      watch(onChange: (revision: number) => void): () => void {
        if (closed) return () => undefined;
        watchers.add(onChange);
        if (listener?.listening) {
          // Already listening: this watcher's first call, never from inside watch() itself.
          queueMicrotask(() => {
            if (watchers.has(onChange)) tell(onChange, latest);
          });
        }
        listen();
        return () => {
          watchers.delete(onChange);
          unlistenIfIdle();
        };
      },

      /**
       * Calls `onBeat` with the module's name when another handle on the schema published a
       * heartbeat (RULES.md L6), on the same listening connection as `watch`. Not this handle's
       * own heartbeats. A heartbeat published while the connection is being re-established is
       * not heard: it only means a lease renewed at the next one.
       */
      watchHeartbeats(onBeat: (module: string) => void): () => void {
        if (closed) return () => undefined;
        // A function of its own per call, so that the same callback given twice is told twice and unsubscribed apart.
        const entry = (module: string) => onBeat(module);
        beatWatchers.add(entry);
        listen();
        return () => {
          beatWatchers.delete(entry);
          unlistenIfIdle();
        };
      },
    } satisfies Pick<RegistryStore, "watch" | "watchHeartbeats">);
  }
  return store;
}

/**
 * A heartbeat's notification: one statement in a transaction of its own that writes no table.
 * PostgreSQL gives it a transaction id and a commit record in the WAL, but does not wait for the
 * WAL to be flushed, since the transaction wrote nothing else: no fsync per heartbeat.
 */
const HEARTBEAT = "SELECT pg_notify($1::text, $2::text)";

/** Runs `body` on a connection of its own; a connection that failed is discarded, never reused. */
async function withClient<T>(pool: pg.Pool, failing: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const ignore = () => undefined;
  let client: pg.PoolClient;
  try {
    client = await checkout(pool, ignore);
  } catch (error) {
    throw unavailable(`${failing}: ${describe(error)}`, error);
  }
  try {
    const result = await body(client);
    client.off("error", ignore);
    client.release();
    return result;
  } catch (error) {
    client.off("error", ignore);
    client.release(true);
    if (error instanceof MrsFailure) throw error;
    throw unavailable(`${failing}: ${describe(error)}`, error);
  }
}

/** Brings the schema up to {@link SCHEMA_VERSION} (or checks it is there), and refuses a newer one. */
async function prepareSchema(pool: pg.Pool, schema: string, migrate: boolean): Promise<void> {
  let version = await schemaVersion(pool, schema);
  // Only a schema that is behind runs the script, so LOMs whose role may not create tables
  // work on a schema an operator migrated.
  if (version < SCHEMA_VERSION && migrate) {
    await withClient(pool, `could not migrate the PostgreSQL schema "${schema}"`, async (client) => {
      try {
        await client.query(migrationsSql({ schema }));
      } catch (error) {
        // The script is one transaction: it failed whole. Its connection, left inside the failed
        // transaction, is discarded by withClient.
        if ((error as { code?: unknown }).code === "XX001") {
          // data_corrupted: the migration refused to carry over a catalog row that is not one.
          const failure = new MrsFailure([
            mrsError("STORE_CORRUPT", "", describe(error), {
              hint: (error as { hint?: string }).hint ?? "restore the schema from a backup",
            }),
          ]);
          failure.cause = error;
          throw failure;
        }
        throw error;
      }
    });
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
function commitFailure(schema: string, error: unknown): MrsFailure {
  const severity = (error as { severity?: unknown }).severity;
  if (error instanceof pg.DatabaseError && severity === "ERROR") {
    return unavailable(`the commit to the schema "${schema}" failed and was rolled back: ${describe(error)}`, error);
  }
  return unavailable(
    `the connection to PostgreSQL failed during the commit to the schema "${schema}" (${describe(error)}): it was stored whole or not at all`,
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
