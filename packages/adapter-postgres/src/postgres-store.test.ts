import { type CatalogData, createRegistry, MrsFailure } from "@rune/mrs-core";
import { sampleCatalog, samplePayload, testStore } from "@rune/mrs-testkit";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { admin, cleanUp, freshSchema, serverUrl, storeOn } from "../test/support.js";
import { type PostgresStore, postgresStore } from "./index.js";

afterAll(cleanUp);

testStore("postgres", {
  // A schema per store: the checks cannot see each other's catalogs.
  create: () => storeOn(),
  // A second pool on the same schema: what another LOM would open.
  peer: (store) => storeOn({ schema: (store as PostgresStore).schema }),
});

/** The code and message a promise rejected with, which must be an `MrsFailure`. */
async function failureOf(promise: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MrsFailure) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a rejection, got a result");
}

async function rowOf(schema: string): Promise<{ revision: string; data: string } | undefined> {
  const { rows } = await admin().query<{ revision: string; data: string }>(
    `SELECT revision::text AS revision, data::text AS data FROM "${schema}".catalog`,
  );
  return rows[0];
}

describe("postgresStore: the catalog row", () => {
  it("holds the revision and the catalog as the JSON text written, in one row", async () => {
    const store = storeOn();
    const data = sampleCatalog(2);
    expect(await store.commit(null, data)).toEqual({ ok: true, revision: 1 });
    expect(await store.commit(1, sampleCatalog(3))).toEqual({ ok: true, revision: 2 });
    const { rows } = await admin().query(`SELECT id, revision::integer AS revision FROM "${store.schema}".catalog`);
    expect(rows).toEqual([{ id: 1, revision: 2 }]);
    expect((await rowOf(store.schema))?.data).toBe(JSON.stringify(sampleCatalog(3)));
    await store.close?.();
  });

  it("gives the catalog back exactly: member order, \\u0000 and lone surrogates (why json, not jsonb)", async () => {
    const store = storeOn();
    const payload = samplePayload("exact");
    const capability = payload.capabilities[0];
    if (capability === undefined) throw new Error("sample payload without a capability");
    // jsonb would sort these members by length and refuse "\u0000"; a UI shows properties in order.
    const inputSchema = JSON.parse(
      '{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"string"}},"required":["zeta"]}',
    );
    const odd: CatalogData = {
      ...sampleCatalog(0),
      modules: {
        exact: {
          payload: {
            ...payload,
            capabilities: [
              { ...capability, description: "nul \u0000 and a lone \ud800 here", input_schema: inputSchema },
            ],
          },
          source: "test",
          acceptedAt: "2026-01-01T00:00:00.000Z",
          decisionId: "d1",
        },
      },
    };
    await store.commit(null, odd);
    const loaded = await store.load();
    expect(JSON.stringify(loaded?.data)).toBe(JSON.stringify(odd));
    expect(Object.keys(loaded?.data.modules.exact?.payload.capabilities[0]?.input_schema.properties ?? {})).toEqual([
      "zeta",
      "alpha",
    ]);
    await store.close?.();
  });

  it("keeps the catalogs of two schemas apart", async () => {
    const one = storeOn();
    const two = storeOn();
    await one.commit(null, sampleCatalog(1, "one"));
    expect(await two.load()).toBeNull();
    await two.commit(null, sampleCatalog(2, "two"));
    expect((await one.load())?.data.session.id).toBe("one");
    expect((await two.load())?.data.session.id).toBe("two");
    await Promise.all([one.close?.(), two.close?.()]);
  });

  it("names its connections rune-mrs in pg_stat_activity unless the URL names them", async () => {
    const store = postgresStore({ connectionString: serverUrl(), schema: freshSchema() });
    await store.commit(null, sampleCatalog(1));
    const { rows } = await admin().query<{ count: number }>(
      "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE application_name = 'rune-mrs'",
    );
    expect(rows[0]?.count).toBeGreaterThan(0);
    await store.close?.();
  });
});

describe("MRS-S11 a catalog row that cannot be read is refused with STORE_CORRUPT and left untouched", () => {
  const cases: { name: string; revision: string; data: string; problem: string }[] = [
    { name: "data that is not a catalog", revision: "3", data: '{"modules":{}}', problem: '"session"' },
    {
      name: "a catalog without decisions",
      revision: "3",
      data: JSON.stringify({ ...sampleCatalog(1), decisions: null }),
      problem: '"decisions" is not an array',
    },
    {
      name: "a revision past 2^53",
      revision: "9007199254740993",
      data: JSON.stringify(sampleCatalog(1)),
      problem: "revision",
    },
  ];
  for (const { name, revision, data, problem } of cases) {
    it(`${name}: load and a starting registry fail naming the table; the row stays`, async () => {
      const store = storeOn();
      await store.load(); // creates the schema
      await admin().query(`INSERT INTO "${store.schema}".catalog (id, revision, data) VALUES (1, $1, $2)`, [
        revision,
        data,
      ]);
      const loaded = await failureOf(store.load());
      expect(loaded.code).toBe("STORE_CORRUPT");
      expect(loaded.message).toContain(`${store.schema}.catalog`);
      expect(loaded.message).toContain(problem);
      const registry = createRegistry({ store });
      expect((await failureOf(registry.start())).code).toBe("STORE_CORRUPT");
      const registered = await registry.register({ payload: samplePayload("late") }, "test");
      expect(registered.ok ? [] : registered.errors.map((e) => e.code)).toEqual(["STORE_CORRUPT"]);
      expect(await rowOf(store.schema)).toEqual({ revision, data });
      await registry.close();
    });
  }
});

describe("postgresStore: options and lifecycle", () => {
  it("wants exactly one of connectionString and pool", () => {
    expect(() => postgresStore({})).toThrow(/exactly one/);
    const pool = new pg.Pool({ connectionString: serverUrl() });
    expect(() => postgresStore({ connectionString: serverUrl(), pool })).toThrow(/exactly one/);
    void pool.end();
  });

  it("refuses schema names that would not mean the same schema everywhere", () => {
    for (const schema of ["Mrs", "1mrs", "mrs-eu", 'x"; DROP TABLE y; --', "", "pg_mrs", "a".repeat(49)]) {
      expect(() => postgresStore({ connectionString: serverUrl(), schema })).toThrow(TypeError);
    }
    expect(postgresStore({ connectionString: serverUrl(), schema: `eu_west_1_${"a".repeat(38)}` }).schema).toHaveLength(
      48,
    );
  });

  it("uses a pool the host gives, and leaves it open at close", async () => {
    const pool = new pg.Pool({ connectionString: serverUrl(), max: 3 });
    const store = postgresStore({ pool, schema: freshSchema() });
    const registry = createRegistry({ store });
    await registry.start();
    expect((await registry.register({ payload: samplePayload("hosted") }, "test")).ok).toBe(true);
    await registry.close();
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    expect(pool.listenerCount("error")).toBe(0); // the store's handler is gone with it
    await pool.end();
  });

  it("refuses calls after close with STORE_UNAVAILABLE, and closes once", async () => {
    const store = storeOn();
    await store.commit(null, sampleCatalog(1));
    await store.close?.();
    await store.close?.();
    expect((await failureOf(store.load())).code).toBe("STORE_UNAVAILABLE");
    expect((await failureOf(store.commit(1, sampleCatalog(1)))).code).toBe("STORE_UNAVAILABLE");
  });

  it("a server that cannot be reached: STORE_UNAVAILABLE with the reason, from load and from register", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const store = postgresStore({ connectionString: "postgres://postgres@127.0.0.1:1/postgres", schema: "mrs" });
    const loaded = await failureOf(store.load());
    expect(loaded.code).toBe("STORE_UNAVAILABLE");
    expect(loaded.message).toContain("ECONNREFUSED");
    const registry = createRegistry({ store });
    const result = await registry.register({ payload: samplePayload("nowhere") }, "test");
    expect(result.ok ? [] : result.errors.map((e) => e.code)).toEqual(["STORE_UNAVAILABLE"]);
    expect(registry.ready).toBe(false);
    await registry.close();
  });
});
