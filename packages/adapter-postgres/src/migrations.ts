import { checkSchemaName, DEFAULT_SCHEMA, quoteIdent, quoteLiteral } from "./identifiers.js";

/** One step of the store's schema, applied once and recorded in `schema_migrations`. */
interface Migration {
  readonly version: number;
  readonly name: string;
  /** The statements, for a schema name already quoted. Run inside the migration's transaction. */
  sql(schema: string): string;
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
  const name = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const s = quoteIdent(name);
  const steps = MIGRATIONS.map(
    (m) => `-- Migration ${m.version}: ${m.name}
DO $migration$
BEGIN
  IF NOT EXISTS (SELECT FROM ${s}.schema_migrations WHERE version = ${m.version}) THEN
    ${m.sql(s)}
    INSERT INTO ${s}.schema_migrations (version, name) VALUES (${m.version}, ${quoteLiteral(m.name)});
  END IF;
END
$migration$;`,
  );
  return `-- RUNE MRS PostgreSQL store: schema ${s}, up to version ${SCHEMA_VERSION}.
-- Safe to run again, and while LOMs run: one transaction, under an advisory lock, and each
-- migration applies only if schema_migrations does not record it yet.
BEGIN;
SET LOCAL client_min_messages = warning;
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
