import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fileStore, folderSource } from "@rune/mrs-adapter-file";
import { httpStore } from "@rune/mrs-adapter-http/store";
import { urlSource } from "@rune/mrs-adapter-http/url-source";
import { memoryStore } from "@rune/mrs-adapter-memory";
import type { RegistrationSource, RegistryStore } from "@rune/mrs-core";
import { ConfigError, type LomConfig } from "./config.js";

/**
 * The example modules shipped with the app, used when there is no config: the schema
 * package's four examples, then the app's own (a broken manifest and an older version of a
 * module, so that a fresh LOM shows a rejection and an upgrade).
 */
export function shippedExamples(): string[] {
  const require = createRequire(import.meta.url);
  const schemaExamples = join(dirname(require.resolve("@rune/mrs-schema/package.json")), "examples");
  const appExamples = fileURLToPath(new URL("../examples/", import.meta.url));
  return [appExamples, schemaExamples];
}

/**
 * The store a config names. The PostgreSQL adapter (and its client) is imported only when a
 * config names a database: loading `pg` costs every other start about 10% of `lom --version`.
 */
export async function openStore(config: Pick<LomConfig, "store" | "file" | "tokens">): Promise<RegistryStore> {
  const spec = config.store;
  if (spec === "memory") return memoryStore();
  if (spec.startsWith("file:")) return fileStore({ path: spec.slice("file:".length) });
  if (spec.startsWith("http://") || spec.startsWith("https://")) {
    // Writing to another LOM's store needs a token granted every name: the first such one.
    const token = config.tokens.find((t) => t.modules.includes("*"))?.token;
    return httpStore({ url: spec, ...(token === undefined ? {} : { token }) });
  }
  if (spec.startsWith("postgres://") || spec.startsWith("postgresql://")) {
    // Several LOMs on one database share one session and catalog (see the adapter's README).
    const { postgresStore } = await import("@rune/mrs-adapter-postgres");
    return postgresStore({ connectionString: spec });
  }
  throw new ConfigError(config.file ?? "lom", [
    {
      code: "INVALID_CONFIG",
      pointer: "/store",
      message: "unknown store",
      hint: 'use "memory", "file:PATH", "http://HOST:PORT" or "postgres://..."',
    },
  ]);
}

/** The sources a config names, in order. */
export function openSources(config: Pick<LomConfig, "sources">): RegistrationSource[] {
  return config.sources.map((s) =>
    "folder" in s ? folderSource({ folder: s.folder, optional: s.optional === true }) : urlSource({ urls: [s.url] }),
  );
}
