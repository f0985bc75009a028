/** The schema used when none is given. */
export const DEFAULT_SCHEMA = "mrs";

// Lowercase only: PostgreSQL folds unquoted names to lowercase, so `Mrs` in a hand-written query
// would name another schema than the one the adapter quotes. 48 characters leave room for the
// notification channels' prefixes within PostgreSQL's 63-byte identifier limit.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * Checks a schema name given in options, so that it can be quoted into SQL safely and means the
 * same schema in the adapter's queries, in the printed migrations and in an operator's `psql`.
 */
export function checkSchemaName(schema: string): string {
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new TypeError(
      `invalid PostgreSQL schema name ${JSON.stringify(schema)}: use 1 to 48 lowercase letters, digits and "_", not starting with a digit`,
    );
  }
  if (schema.startsWith("pg_")) {
    throw new TypeError(
      `invalid PostgreSQL schema name "${schema}": names starting with "pg_" are reserved by PostgreSQL`,
    );
  }
  return schema;
}

/** A double-quoted SQL identifier. The names quoted here are checked or fixed, but quoting stays exact anyway. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted SQL string literal (standard_conforming_strings, the default since PostgreSQL 9.1). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The LISTEN/NOTIFY channel of a schema's catalog: one per schema, so LOMs on other schemas are not woken. */
export function channelOf(schema: string): string {
  return `rune-mrs:${schema}`;
}

/**
 * The LISTEN/NOTIFY channel of a schema's heartbeats (RULES.md L6): one per schema, apart from
 * the change channel, so that a heartbeat is never taken for a commit.
 */
export function heartbeatChannelOf(schema: string): string {
  return `rune-mrs-beat:${schema}`;
}
