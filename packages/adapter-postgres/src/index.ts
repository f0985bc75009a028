export { type MigrationsSqlOptions, migrationsSql, SCHEMA_VERSION } from "./migrations.js";
export {
  type PostgresStore,
  type PostgresStoreOptions,
  type PostgresStoreReads,
  postgresStore,
} from "./postgres-store.js";
