import type { RegistryStore } from "@rune/mrs-core";
import type pg from "pg";
import { describe, expectTypeOf, it } from "vitest";
import {
  migrationsSql,
  type PostgresStore,
  type PostgresStoreOptions,
  type PostgresStoreReads,
  postgresStore,
} from "./index.js";

describe("public types", () => {
  it("postgresStore gives a RegistryStore that says its schema", () => {
    expectTypeOf(postgresStore).returns.toEqualTypeOf<PostgresStore>();
    expectTypeOf<PostgresStore>().toMatchTypeOf<RegistryStore>();
    expectTypeOf<PostgresStore["schema"]>().toEqualTypeOf<string>();
    expectTypeOf<PostgresStore["name"]>().toEqualTypeOf<"postgres">();
    expectTypeOf<PostgresStore["reads"]>().toEqualTypeOf<PostgresStoreReads>();
    expectTypeOf<PostgresStoreReads["changeRows"]>().toEqualTypeOf<number>();
  });

  it("always publishes heartbeats; watches them when watching is on (an optional method of the contract)", () => {
    expectTypeOf<PostgresStore["publishHeartbeat"]>().toEqualTypeOf<(module: string) => Promise<void>>();
    expectTypeOf<PostgresStore["watchHeartbeats"]>().toEqualTypeOf<RegistryStore["watchHeartbeats"]>();
  });

  it("takes a URL or a host's pg.Pool, and typed options", () => {
    expectTypeOf<{ connectionString: string }>().toMatchTypeOf<PostgresStoreOptions>();
    expectTypeOf<{ pool: pg.Pool; schema: string; migrate: false }>().toMatchTypeOf<PostgresStoreOptions>();
    expectTypeOf<{ connectionString: string; keepChanges: number }>().toMatchTypeOf<PostgresStoreOptions>();
    expectTypeOf<{ connectionString: string; schema: number }>().not.toMatchTypeOf<PostgresStoreOptions>();
    expectTypeOf<{ pool: string }>().not.toMatchTypeOf<PostgresStoreOptions>();
  });

  it("migrationsSql takes an optional schema and returns the script", () => {
    expectTypeOf(migrationsSql).parameter(0).toEqualTypeOf<{ readonly schema?: string } | undefined>();
    expectTypeOf(migrationsSql).returns.toEqualTypeOf<string>();
  });
});
