export { type BrowserLaunch, CHROMIUM_ARGS, chromiumForTests } from "./chromium.js";
export {
  POSTGRES_MAJORS,
  type PostgresMajor,
  type PostgresServer,
  postgresForTests,
  type StartPostgresOptions,
  startPostgres,
} from "./postgres.js";
export { parsePrometheus, type Sample, type Scrape } from "./prometheus.js";
