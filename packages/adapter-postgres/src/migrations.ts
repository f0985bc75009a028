import { checkSchemaName, DEFAULT_SCHEMA, quoteIdent, quoteLiteral } from "./identifiers.js";

/** One step of the store's schema, applied once and recorded in `schema_migrations`. */
interface Migration {
  readonly version: number;
  readonly name: string;
  /**
   * The statements (PL/pgSQL, run inside the script's transaction), for the schema's name quoted
   * as an identifier (`s`) and as a string literal (`literal`).
   */
  sql(s: string, literal: string): string;
}

/**
 * Every migration, in order. Append only: a released migration is never edited, since
 * databases out there already ran it; a change is a new migration.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "catalog",
    sql: (s) => `CREATE TABLE ${s}.catalog (
      -- One row holds the whole snapshot, so that a commit is one compare-and-set on revision.
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      revision bigint NOT NULL CHECK (revision > 0),
      -- json, not jsonb: returned exactly as written (member order, "\\u0000"), never queried inside.
      data json NOT NULL CHECK (json_typeof(data) = 'object'),
      committed_at timestamptz NOT NULL DEFAULT now()
    );`,
  },
  {
    version: 2,
    name: "changes",
    sql: (s, literal) => `-- A log of changes with revisions (RULES.md R1, R3) and the state they add up to, in rows:
    -- a commit writes what it changes, never the whole catalog.
    CREATE TABLE ${s}.state (
      -- One row: the revision that commits compare-and-set on, and the session.
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      revision bigint NOT NULL CHECK (revision >= 0),
      -- The oldest revision whose change "changes" still holds (revision + 1 when it holds none).
      oldest bigint NOT NULL CHECK (oldest >= 1 AND oldest <= revision + 1),
      session json CHECK (json_typeof(session) = 'object'),
      -- How many rows "decisions" holds, so that keeping it bounded needs no count(*).
      decisions integer NOT NULL CHECK (decisions >= 0),
      committed_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((session IS NULL) = (revision = 0))
    );
    CREATE TABLE ${s}.changes (
      revision bigint PRIMARY KEY CHECK (revision > 0),
      type text NOT NULL CHECK (type IN ('session.opened', 'module.put', 'module.removed', 'module.state', 'decision.recorded')),
      -- The change's other member: the session, the record, the module's name (a JSON string),
      -- the decision; for module.state, {"module": ..., "state": ...}. json, not jsonb, in every
      -- table: given back exactly as written.
      body json NOT NULL CHECK (json_typeof(body) = CASE type WHEN 'module.removed' THEN 'string' ELSE 'object' END),
      committed_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE ${s}.modules (
      name text PRIMARY KEY,
      record json NOT NULL CHECK (json_typeof(record) = 'object'),
      -- The revision of the change that put it.
      revision bigint NOT NULL,
      -- Set by a module.state change after the put (RULES.md L3); NULL: the record as put.
      state text CHECK (state IN ('live', 'expired'))
    );
    CREATE TABLE ${s}.decisions (
      -- The revision of the change that recorded it; decisions carried over from the one-row
      -- layout, which had no revisions, take the numbers up to 0, in their order.
      seq bigint PRIMARY KEY,
      decision json NOT NULL CHECK (json_typeof(decision) = 'object')
    );
    -- Carry the one-row catalog over. The lock makes a LOM of the previous release wait, then
    -- fail on the dropped table: no commit of it can land after the copy and be lost.
    LOCK TABLE ${s}.catalog IN ACCESS EXCLUSIVE MODE;
    DECLARE
      held bigint;
      -- PostgreSQL's json functions that look up members unescape every string of the document,
      -- and fail on a "\\u0000" or a lone surrogate, which the catalog may hold. So the catalog
      -- is split with each "\\\\" doubled and each "\\u" written "\\\\u" (no escape is left that
      -- could fail), and every piece is turned back, exactly, after.
      doc json;
      problem text;
    BEGIN
      SELECT c.revision, regexp_replace(c.data::text, '\\\\(\\\\)|\\\\(u)', '\\\\\\\\\\1\\1\\2', 'g')::json
        INTO held, doc FROM ${s}.catalog AS c;
      problem := CASE
        WHEN held > 9007199254740991 THEN 'its revision ' || held || ' is past 2^53-1'
        WHEN json_typeof(doc->'session') IS DISTINCT FROM 'object'
          OR json_typeof(doc->'session'->'id') IS DISTINCT FROM 'string'
          OR json_typeof(doc->'session'->'startedAt') IS DISTINCT FROM 'string'
          THEN '"session" is not an object with string "id" and "startedAt"'
        WHEN json_typeof(doc->'modules') IS DISTINCT FROM 'object' THEN '"modules" is not an object'
        WHEN json_typeof(doc->'decisions') IS DISTINCT FROM 'array' THEN '"decisions" is not an array'
        WHEN EXISTS (SELECT FROM json_each(doc->'modules') AS m WHERE json_typeof(m.value) <> 'object')
          THEN 'a module in "modules" is not an object'
        WHEN EXISTS (SELECT FROM json_array_elements(doc->'decisions') AS d WHERE json_typeof(d.value) <> 'object')
          THEN 'a decision in "decisions" is not an object'
      END;
      IF held IS NOT NULL AND problem IS NOT NULL THEN
        RAISE EXCEPTION USING
          ERRCODE = 'data_corrupted',
          MESSAGE = 'the catalog row of the PostgreSQL schema ' || ${literal} || ' cannot be carried over: ' || problem || '; nothing was changed',
          HINT = 'restore the table catalog from a backup, or copy its row aside and delete it: the next LOM to start opens a new session';
      END IF;
      INSERT INTO ${s}.state (id, revision, oldest, session, decisions) VALUES (
        1, coalesce(held, 0), coalesce(held, 0) + 1,
        regexp_replace((doc->'session')::text, '\\\\\\\\\\\\(\\\\)|\\\\\\\\(u)', '\\\\\\1\\2', 'g')::json,
        coalesce(json_array_length(doc->'decisions'), 0)
      );
      INSERT INTO ${s}.modules (name, record, revision)
        SELECT m.key, regexp_replace(m.value::text, '\\\\\\\\\\\\(\\\\)|\\\\\\\\(u)', '\\\\\\1\\2', 'g')::json, held
        FROM json_each(doc->'modules') AS m;
      INSERT INTO ${s}.decisions (seq, decision)
        SELECT d.n - json_array_length(doc->'decisions'),
          regexp_replace(d.value::text, '\\\\\\\\\\\\(\\\\)|\\\\\\\\(u)', '\\\\\\1\\2', 'g')::json
        FROM json_array_elements(doc->'decisions') WITH ORDINALITY AS d(value, n);
    END;
    -- "superseded" is not carried over: the changes and the decisions keep what an upgrade replaced.
    DROP TABLE ${s}.catalog;`,
  },
];

/** The schema version this release writes and reads: the number of the last migration. */
export const SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;

/** Options of {@link migrationsSql}. */
export interface MigrationsSqlOptions {
  /** The schema to create the tables in. Default `mrs`, as in `postgresStore`. */
  readonly schema?: string;
}

/**
 * The SQL script that brings a schema up to {@link SCHEMA_VERSION}: exactly what
 * `postgresStore` runs itself on first use (unless `migrate: false`), printed for an operator to
 * review and run by hand (`psql -v ON_ERROR_STOP=1 -f`), or with the `mrs-postgres-migrations`
 * command.
 *
 * The script is one transaction under an advisory lock, so LOMs starting together (or an
 * operator and a LOM) never race; each migration runs only if `schema_migrations` does not
 * record it yet, so running the script again changes nothing.
 *
 * @example
 * import { migrationsSql } from "@rune/mrs-adapter-postgres";
 * await fs.writeFile("mrs-migrations.sql", migrationsSql({ schema: "mrs" }));
 */
export function migrationsSql(options: MigrationsSqlOptions = {}): string {
  return migrationScript(checkSchemaName(options.schema ?? DEFAULT_SCHEMA), SCHEMA_VERSION);
}

/**
 * The migration script of a checked schema name up to `version` (not exported from the
 * package: the tests use it to make a database as an earlier release left it).
 */
export function migrationScript(name: string, version: number): string {
  const s = quoteIdent(name);
  const steps = MIGRATIONS.filter((m) => m.version <= version).map(
    (m) => `-- Migration ${m.version}: ${m.name}
DO $migration$
BEGIN
  IF NOT EXISTS (SELECT FROM ${s}.schema_migrations WHERE version = ${m.version}) THEN
    ${m.sql(s, quoteLiteral(name))}
    INSERT INTO ${s}.schema_migrations (version, name) VALUES (${m.version}, ${quoteLiteral(m.name)});
  END IF;
END
$migration$;`,
  );
  return `-- RUNE MRS PostgreSQL store: schema ${s}, up to version ${Math.min(version, SCHEMA_VERSION)}.
-- Safe to run again, and while LOMs run: one transaction, under an advisory lock, and each
-- migration applies only if schema_migrations does not record it yet.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL standard_conforming_strings = on;
DO $lock$ BEGIN PERFORM pg_advisory_xact_lock(hashtextextended(${quoteLiteral(migrationLockName(name))}, 0)); END $lock$;
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
${steps.join("\n")}
COMMIT;
`;
}

/** The text whose hash keys the advisory lock that migrations of one schema take. */
function migrationLockName(schema: string): string {
  return `rune-mrs:migrations:${schema}`;
}
