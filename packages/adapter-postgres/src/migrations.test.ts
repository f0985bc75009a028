import { type CatalogData, createRegistry, MrsFailure } from "@rune/mrs-core";
import { sampleCatalog, sampleChanges, samplePayload } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { admin, cleanUp, freshSchema, storeOn, uniqueName, waitFor } from "../test/support.js";
import { migrationsSql, SCHEMA_VERSION } from "./index.js";
import { migrationScript } from "./migrations.js";
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
      { version: 2, name: "changes" },
    ]);
    expect(SCHEMA_VERSION).toBe(2);
    expect(await layoutOf(store.schema)).toEqual([
      "changes.revision bigint NO ",
      "changes.type text NO ",
      "changes.body json NO ",
      "changes.committed_at timestamp with time zone NO now()",
      "decisions.seq bigint NO ",
      "decisions.decision json NO ",
      "modules.name text NO ",
      "modules.record json NO ",
      "modules.revision bigint NO ",
      "modules.state text YES ",
      "schema_migrations.version integer NO ",
      "schema_migrations.name text NO ",
      "schema_migrations.applied_at timestamp with time zone NO now()",
      "state.id smallint NO 1",
      "state.revision bigint NO ",
      "state.oldest bigint NO ",
      "state.session json YES ",
      "state.decisions integer NO ",
      "state.committed_at timestamp with time zone NO now()",
    ]);
    // An empty store: revision 0, nothing kept, no session.
    expect(
      (await admin().query(`SELECT revision::integer, oldest::integer, session FROM "${store.schema}".state`)).rows,
    ).toEqual([{ revision: 0, oldest: 1, session: null }]);
    await store.close?.();
  });

  it("are idempotent: another store, and the script run again by hand, change nothing and keep the data", async () => {
    const first = storeOn();
    await first.commit(0, sampleChanges(2));
    const recorded = await migrationsOf(first.schema);
    const second = storeOn({ schema: first.schema });
    expect((await second.load())?.data).toEqual(sampleCatalog(2));
    await admin().query(migrationsSql({ schema: first.schema }));
    await admin().query(migrationsSql({ schema: first.schema }));
    expect(await migrationsOf(first.schema)).toEqual(recorded);
    expect((await first.load())?.revision).toBe(5);
    await Promise.all([first.close?.(), second.close?.()]);
  });

  it("stores starting together on an empty database migrate it once, without errors (advisory lock)", async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 6 }, () => storeOn({ schema }));
    expect(await Promise.all(stores.map((s) => s.load()))).toEqual(Array(6).fill(null));
    expect(await migrationsOf(schema)).toHaveLength(2);
    const results = await Promise.all(stores.map((s) => s.commit(0, sampleChanges(1))));
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
    expect(await store.commit(0, sampleChanges(1))).toEqual({ ok: true, revision: 3 });
    expect((await store.load())?.data).toEqual(sampleCatalog(1));
    await Promise.all([store.close?.(), byStore.close?.()]);
  });

  it("are one transaction: a script that fails part-way leaves nothing behind", async () => {
    const schema = freshSchema();
    // The same script with its last migration broken: the schema and the tables made before it must go too.
    const script = migrationsSql({ schema });
    const last = script.lastIndexOf("INSERT INTO");
    const broken = `${script.slice(0, last)}INSERT INTO no_such_table_here; --${script.slice(last + "INSERT INTO".length)}`;
    await expect(admin().query(broken)).rejects.toThrow();
    expect(await schemaExists(schema)).toBe(false);
  });

  it("do not change once released (a change is a new migration)", () => {
    expect(migrationsSql()).toMatchSnapshot();
  });

  it("use the schema asked for, mrs by default, and refuse a name that is not safe to quote", () => {
    expect(migrationsSql()).toContain('CREATE SCHEMA IF NOT EXISTS "mrs";');
    expect(migrationsSql({ schema: "eu_west" })).toContain('CREATE TABLE "eu_west".changes (');
    expect(migrationsSql({ schema: "eu_west" })).not.toContain('"mrs"');
    expect(() => migrationsSql({ schema: 'x"; DROP SCHEMA public; --' })).toThrow(TypeError);
  });
});

describe("a schema that does not match this release", () => {
  it("migrate: false on a schema that is behind: STORE_UNAVAILABLE naming the command to run; nothing is created", async () => {
    const store = storeOn({ migrate: false });
    const failure = await codeOf(store.load());
    expect(failure.code).toBe("STORE_UNAVAILABLE");
    expect(failure.message).toContain(`"${store.schema}" is at version 0, this release needs version 2`);
    expect(failure.hint).toContain(`mrs-postgres-migrations --schema ${store.schema}`);
    expect((await codeOf(store.commit(0, sampleChanges(1)))).code).toBe("STORE_UNAVAILABLE");
    expect(await schemaExists(store.schema)).toBe(false);
    await store.close?.();
  });

  it("a schema made by a newer release is refused with STORE_CORRUPT and left untouched", async () => {
    const old = storeOn();
    await old.commit(0, sampleChanges(1));
    await admin().query(`INSERT INTO "${old.schema}".schema_migrations (version, name) VALUES (3, 'from-the-future')`);
    const store = storeOn({ schema: old.schema });
    const failure = await codeOf(store.load());
    expect(failure.code).toBe("STORE_CORRUPT");
    expect(failure.message).toContain("version 3, made by a newer release");
    expect((await codeOf(store.commit(3, sampleChanges(1, "session-1", 1)))).code).toBe("STORE_CORRUPT");
    expect((await codeOf(store.changesSince(0))).code).toBe("STORE_CORRUPT");
    const { rows } = await admin().query(`SELECT revision::integer AS revision FROM "${old.schema}".state`);
    expect(rows).toEqual([{ revision: 3 }]);
    await Promise.all([old.close?.(), store.close?.()]);
  });
});

/** A schema as release 0.1.0 (migration 1, one row) left it, holding `data` at `revision` when given. */
async function versionOne(schema: string, row?: { revision: number; data: unknown }): Promise<void> {
  await admin().query(migrationScript(schema, 1));
  if (row !== undefined) {
    await admin().query(`INSERT INTO "${schema}".catalog (id, revision, data) VALUES (1, $1, $2)`, [
      row.revision,
      JSON.stringify(row.data),
    ]);
  }
}

/** Text that PostgreSQL's json functions cannot unescape, and escapes that must stay as written. */
const AWKWARD = 'nul \u0000, a lone \ud800, a pair \ud83d\ude00, \\u0041 as text, "quoted", a \\ backslash, é';

/** A catalog as release 0.1.0 wrote it (with `superseded`), holding {@link AWKWARD} text. */
function oneRowCatalog(): { catalog: CatalogData; data: unknown } {
  const catalog = sampleCatalog(3, "kept-session");
  const awkward = catalog.modules["module-1"];
  if (awkward === undefined) throw new Error("sample catalog without module-1");
  const modules = { ...catalog.modules, "module-1": { ...awkward, source: AWKWARD } };
  const decisions = catalog.decisions.map((d, i) => (i === 2 ? { ...d, source: AWKWARD } : d));
  const withAwkward: CatalogData = { ...catalog, modules, decisions };
  return { catalog: withAwkward, data: { ...withAwkward, superseded: [{ ...awkward, supersededAt: "x" }] } };
}

describe("the migration from the one-row layout (version 1)", () => {
  it("MRS-R1 MRS-R3 a catalog row comes up with the same session, modules, decisions and revision; older changes answer compacted", async () => {
    const schema = freshSchema();
    const { catalog, data } = oneRowCatalog();
    await versionOne(schema, { revision: 7, data });
    const store = storeOn({ schema });
    const loaded = await store.load();
    expect(loaded?.revision).toBe(7);
    expect(loaded?.data).toEqual(catalog);
    // Exactly as written, escapes and all.
    expect(JSON.stringify(loaded?.data.modules["module-1"])).toBe(JSON.stringify(catalog.modules["module-1"]));
    expect(JSON.stringify(loaded?.data.decisions)).toBe(JSON.stringify(catalog.decisions));
    expect(JSON.stringify(loaded?.data.session)).toBe(JSON.stringify(catalog.session));
    // The changes up to 7 were never kept: reading from before it means reading the state again.
    expect(await store.changesSince(0)).toEqual({ ok: false, compacted: true, oldest: 8 });
    expect(await store.changesSince(6)).toEqual({ ok: false, compacted: true, oldest: 8 });
    expect(await store.changesSince(7)).toEqual({ ok: true, changes: [], revision: 7 });
    expect((await migrationsOf(schema)).map((m) => m.version)).toEqual([1, 2]);
    expect(await layoutOf(schema)).not.toContain("catalog.data json NO ");

    // A LOM resumes the session and goes on from revision 7.
    const registry = createRegistry({ store });
    const report = await registry.start();
    expect(report.resumed).toBe(true);
    expect(report.session.id).toBe("kept-session");
    expect(registry.revision).toBe(7);
    expect((await registry.register({ payload: samplePayload("after") }, "test")).ok).toBe(true);
    const page = await store.changesSince(7);
    expect(page.ok && page.changes.map((c) => [c.revision, c.type])).toEqual([
      [8, "decision.recorded"],
      [9, "module.put"],
    ]);
    const again = await storeOn({ schema }).load();
    expect(Object.keys(again?.data.modules ?? {}).sort()).toEqual(["after", "module-0", "module-1", "module-2"]);
    expect(again?.data.decisions.map((d) => d.module)).toEqual(["module-0", "module-1", "module-2", "after"]);
    await registry.close();
  });

  it("an empty schema of version 1 (no catalog row) comes up as an empty store", async () => {
    const schema = freshSchema();
    await versionOne(schema);
    const store = storeOn({ schema });
    expect(await store.load()).toBeNull();
    expect(await store.changesSince(0)).toEqual({ ok: true, changes: [], revision: 0 });
    expect(await store.commit(0, sampleChanges(1))).toEqual({ ok: true, revision: 3 });
    await store.close?.();
  });

  it("LOMs starting together on a schema of version 1 carry it over once", async () => {
    const schema = freshSchema();
    const { catalog, data } = oneRowCatalog();
    await versionOne(schema, { revision: 7, data });
    const stores = Array.from({ length: 4 }, () => storeOn({ schema }));
    const loaded = await Promise.all(stores.map((s) => s.load()));
    for (const snapshot of loaded) expect(snapshot).toEqual({ revision: 7, data: catalog });
    expect((await migrationsOf(schema)).map((m) => m.version)).toEqual([1, 2]);
    await Promise.all(stores.map((s) => s.close?.()));
  });

  it("MRS-S11 a commit of the previous release in flight when the migration starts is carried over, not lost; its next one fails", async () => {
    const schema = freshSchema();
    const { data } = oneRowCatalog();
    await versionOne(schema, { revision: 7, data });
    // A LOM of release 0.1.0, in the middle of its compare-and-set.
    const old = await admin().connect();
    const app = uniqueName("mrs_migrating");
    try {
      await old.query("BEGIN");
      await old.query(
        `UPDATE "${schema}".catalog SET revision = revision + 1, data = $1 WHERE id = 1 AND revision = 7`,
        [JSON.stringify({ ...(data as object), session: { id: "written-late", startedAt: "x" } })],
      );
      const store = storeOn({ schema, applicationName: app });
      const loading = store.load();
      await waitFor("the migration waits for the old release's commit", async () => {
        const { rows } = await admin().query<{ n: number }>(
          "SELECT count(*)::integer AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [app],
        );
        return rows[0]?.n === 1;
      });
      await old.query("COMMIT");
      const loaded = await loading;
      expect(loaded?.revision).toBe(8);
      expect(loaded?.data.session.id).toBe("written-late");
      await expect(old.query(`UPDATE "${schema}".catalog SET revision = revision + 1 WHERE id = 1`)).rejects.toThrow(
        /does not exist/,
      );
      await store.close?.();
    } finally {
      old.release();
    }
  });

  it("MRS-S11 a catalog row that is not a catalog: STORE_CORRUPT naming what is wrong, and the schema stays as it was", async () => {
    const schema = freshSchema();
    const row = { revision: 4, data: { session: { id: "s", startedAt: "t" }, modules: [], decisions: [] } };
    await versionOne(schema, row);
    const store = storeOn({ schema });
    const failure = await codeOf(store.load());
    expect(failure.code).toBe("STORE_CORRUPT");
    expect(failure.message).toContain(`the catalog row of the PostgreSQL schema ${schema} cannot be carried over`);
    expect(failure.message).toContain('"modules" is not an object');
    expect(failure.hint).toContain("copy its row aside and delete it");
    expect((await codeOf(store.commit(4, sampleChanges(1, "s", 1)))).code).toBe("STORE_CORRUPT");
    expect((await migrationsOf(schema)).map((m) => m.version)).toEqual([1]);
    const { rows } = await admin().query(
      `SELECT revision::integer AS revision, data::text AS data FROM "${schema}".catalog`,
    );
    expect(rows).toEqual([{ revision: 4, data: JSON.stringify(row.data) }]);
    await store.close?.();
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
