import { parseArgs } from "node:util";
import { DEFAULT_SCHEMA } from "./identifiers.js";
import { migrationsSql, SCHEMA_VERSION } from "./migrations.js";

const USAGE = `Usage: mrs-postgres-migrations [--schema NAME]

Prints the SQL that creates or updates the RUNE MRS PostgreSQL store's schema (version ${SCHEMA_VERSION}),
the same that postgresStore runs itself unless migrate: false. Safe to run more than once:

  mrs-postgres-migrations --schema ${DEFAULT_SCHEMA} | psql -v ON_ERROR_STOP=1 "$DATABASE_URL"

Options:
  --schema NAME   the schema to create the tables in (default: ${DEFAULT_SCHEMA})
  -h, --help      show this help
`;

/**
 * The `mrs-postgres-migrations` command, as a function of its arguments and outputs so that it
 * is tested without a process. Returns the exit code: 0 printed, 2 a usage error.
 */
export function runMigrationsCli(
  args: readonly string[],
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  let values: { schema?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { schema: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    err(`mrs-postgres-migrations: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    out(USAGE);
    return 0;
  }
  try {
    out(migrationsSql({ schema: values.schema ?? DEFAULT_SCHEMA }));
    return 0;
  } catch (error) {
    err(`mrs-postgres-migrations: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}
