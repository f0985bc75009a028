import { MrsFailure } from "@rune/mrs-core";
import { sampleCatalog } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { admin, cleanUp, freshSchema, storeOn } from "../test/support.js";
import { migrationsSql, SCHEMA_VERSION } from "./index.js";
import { runMigrationsCli } from "./migrations-cli.js";

afterAll(cleanUp);

async function migrationsOf(schema: string): Promise<{ version: number; name: string; applied_at: Date }[]> {
  const { rows } = await admin().query(
    `SELECT version, name, applied_at FROM "${schema}".schema_migrations ORDER BY version`,
  );
  return rows;
}

/** The tables and columns of a schema, to compare two schemas' layouts. */
async function layoutOf(schema: string): Promise<string[]> {
  const { rows } = await admin().query<{ c: string }>(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS c
     FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  return rows.map((r) => r.c);
}

async function schemaExists(schema: string): Promise<boolean> {
  const { rows } = await admin().query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  return rows.length === 1;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string | undefined; message: string; hint: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MrsFailure) {
      return { code: error.code, message: error.message, hint: error.errors[0]?.hint ?? "" };
    }
    throw error;
  }
  throw new Error("expected a rejection, got a result");
}

describe("migrations run by the store", () => {
  it("create the schema and its tables on first use, and record each version", async () => {
    const store = storeOn();
    expect(await store.load()).toBeNull();
    expect((await migrationsOf(store.schema)).map(({ version, name }) => ({ version, name }))).toEqual([
      { version: 1, name: "catalog" },
    ]);
    expect(SCHEMA_VERSION).toBe(1);
    expect(await layoutOf(store.schema)).toEqual([
      "catalog.id smallint NO 1",
      "catalog.revision bigint NO ",
      "catalog.data json NO ",
      "catalog.committed_at timestamp with time zone NO now()",
      "schema_migrations.version integer NO ",
      "schema_migrations.name text NO ",
      "schema_migrations.applied_at timestamp with time zone NO now()",
    ]);
    await store.close?.();
  });

  it("are idempotent: another store, and the script run again by hand, change nothing and keep the data", async () => {
    const first = storeOn();
    await first.commit(null, sampleCatalog(2));
    const recorded = await migrationsOf(first.schema);
    const second = storeOn({ schema: first.schema });
    expect((await second.load())?.data).toEqual(sampleCatalog(2));
    await admin().query(migrationsSql({ schema: first.schema }));
    await admin().query(migrationsSql({ schema: first.schema }));
    expect(await migrationsOf(first.schema)).toEqual(recorded);
    expect((await first.load())?.revision).toBe(1);
    await Promise.all([first.close?.(), second.close?.()]);
  });

  it("stores starting together on an empty database migrate it once, without errors (advisory lock)", async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 6 }, () => storeOn({ schema }));
    expect(await Promise.all(stores.map((s) => s.load()))).toEqual(Array(6).fill(null));
    expect(await migrationsOf(schema)).toHaveLength(1);
    const results = await Promise.all(stores.map((s) => s.commit(null, sampleCatalog(1))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    await Promise.all(stores.map((s) => s.close?.()));
  });
});

describe("migrations printed for an operator", () => {
  it("make, run by hand, the same schema the store makes, which a store with migrate: false then uses", async () => {
    const byHand = freshSchema();
    await admin().query(migrationsSql({ schema: byHand }));
    const byStore = storeOn();
    await byStore.load();
    expect(await layoutOf(byHand)).toEqual(await layoutOf(byStore.schema));
    const store = storeOn({ schema: byHand, migrate: false });
    expect(await store.commit(null, sampleCatalog(1))).toEqual({ ok: true, revision: 1 });
    expect((await store.load())?.data).toEqual(sampleCatalog(1));
    await Promise.all([store.close?.(), byStore.close?.()]);
  });

  it("are one transaction: a script that fails part-way leaves nothing behind", async () => {
    const schema = freshSchema();
    // The same script with its last migration broken: the schema made before it must go too.
    const broken = migrationsSql({ schema }).replace("INSERT INTO", "INSERT INTO no_such_table_here; --");
    await expect(admin().query(broken)).rejects.toThrow();
    expect(await schemaExists(schema)).toBe(false);
  });

  it("do not change once released (a change is a new migration)", () => {
    expect(migrationsSql()).toMatchSnapshot();
  });

  it("use the schema asked for, mrs by default, and refuse a name that is not safe to quote", () => {
    expect(migrationsSql()).toContain('CREATE SCHEMA IF NOT EXISTS "mrs";');
    expect(migrationsSql({ schema: "eu_west" })).toContain('CREATE TABLE "eu_west".catalog (');
    expect(migrationsSql({ schema: "eu_west" })).not.toContain('"mrs"');
    expect(() => migrationsSql({ schema: 'x"; DROP SCHEMA public; --' })).toThrow(TypeError);
  });
});

describe("a schema that does not match this release", () => {
  it("migrate: false on a schema that is behind: STORE_UNAVAILABLE naming the command to run; nothing is created", async () => {
    const store = storeOn({ migrate: false });
    const failure = await codeOf(store.load());
    expect(failure.code).toBe("STORE_UNAVAILABLE");
    expect(failure.message).toContain(`"${store.schema}" is at version 0, this release needs version 1`);
    expect(failure.hint).toContain(`mrs-postgres-migrations --schema ${store.schema}`);
    expect((await codeOf(store.commit(null, sampleCatalog(1)))).code).toBe("STORE_UNAVAILABLE");
    expect(await schemaExists(store.schema)).toBe(false);
    await store.close?.();
  });

  it("a schema made by a newer release is refused with STORE_CORRUPT and left untouched", async () => {
    const old = storeOn();
    await old.commit(null, sampleCatalog(1));
    await admin().query(`INSERT INTO "${old.schema}".schema_migrations (version, name) VALUES (2, 'from-the-future')`);
    const store = storeOn({ schema: old.schema });
    const failure = await codeOf(store.load());
    expect(failure.code).toBe("STORE_CORRUPT");
    expect(failure.message).toContain("version 2, made by a newer release");
    expect((await codeOf(store.commit(1, sampleCatalog(5)))).code).toBe("STORE_CORRUPT");
    const { rows } = await admin().query(`SELECT revision::integer AS revision FROM "${old.schema}".catalog`);
    expect(rows).toEqual([{ revision: 1 }]);
    await Promise.all([old.close?.(), store.close?.()]);
  });
});

describe("the mrs-postgres-migrations command", () => {
  function run(...args: string[]) {
    let out = "";
    let err = "";
    const code = runMigrationsCli(
      args,
      (text) => {
        out += text;
      },
      (text) => {
        err += text;
      },
    );
    return { code, out, err };
  }

  it("prints the migrations of the schema asked for, and nothing else on stdout", () => {
    expect(run("--schema", "eu_west")).toEqual({ code: 0, out: migrationsSql({ schema: "eu_west" }), err: "" });
    expect(run()).toEqual({ code: 0, out: migrationsSql(), err: "" });
  });

  it("says how to use it with --help", () => {
    const { code, out } = run("--help");
    expect(code).toBe(0);
    expect(out).toContain("Usage: mrs-postgres-migrations [--schema NAME]");
    expect(out).toContain("psql -v ON_ERROR_STOP=1");
  });

  it("exits 2 on a bad schema name or an unknown option, saying why", () => {
    const bad = run("--schema", "Bad-Name");
    expect(bad.code).toBe(2);
    expect(bad.out).toBe("");
    expect(bad.err).toContain('invalid PostgreSQL schema name "Bad-Name"');
    const unknown = run("--schemas", "x");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("--schemas");
  });
});
