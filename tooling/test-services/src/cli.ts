#!/usr/bin/env node
import { POSTGRES_MAJORS, type PostgresMajor, startPostgres } from "./postgres.js";

// `rune-test-postgres [MAJOR]`: the tests' throwaway PostgreSQL, by hand. Prints the URL, runs
// until Ctrl-C (or SIGTERM), then stops the server and removes its data.
const usage = `usage: rune-test-postgres [${POSTGRES_MAJORS.join("|")}]\n`;
const arg = process.argv[2];
if (arg === "--help" || arg === "-h") {
  process.stdout.write(usage);
} else if (arg !== undefined && !POSTGRES_MAJORS.includes(Number(arg) as PostgresMajor)) {
  process.stderr.write(usage);
  process.exitCode = 2;
} else {
  const server = await startPostgres(arg === undefined ? {} : { major: Number(arg) as PostgresMajor });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(`${server.version} (${server.source}); Ctrl-C stops it and removes its data\n`);
  const stop = () => {
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
