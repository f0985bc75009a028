#!/usr/bin/env node
import { runMigrationsCli } from "./migrations-cli.js";

process.exitCode = runMigrationsCli(
  process.argv.slice(2),
  (text) => process.stdout.write(text),
  (text) => process.stderr.write(text),
);
