import { applyChanges, type Change, createRegistry, type Decision, MAX_DECISIONS, MrsFailure } from "@rune/mrs-core";
import { sampleCatalog, sampleChanges, samplePayload, testStore } from "@rune/mrs-testkit";
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

async function rows<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await admin().query<T>(text, values)).rows;
}

async function stateOf(schema: string) {
  const [state] = await rows<{ revision: string; oldest: number; decisions: number; session: string | null }>(
    `SELECT revision::text, oldest::integer, decisions, session::text FROM "${schema}".state`,
  );
  return state && { ...state, revision: Number(state.revision) };
}

/** Commits `changes` at `expected`, failing the test if the store refuses. */
async function commitOk(store: PostgresStore, expected: number, changes: readonly Change[]): Promise<number> {
  const result = await store.commit(expected, changes);
  if (!result.ok) throw new Error(`commit at revision ${expected} refused`);
  return result.revision;
}

/** `count` rejected decisions, as a flood of bad payloads makes them. */
function rejections(count: number, from: number, sessionId = "session-1"): Change[] {
  return Array.from({ length: count }, (_, i) => {
    const decision: Decision = {
      id: `rejected-${from + i}`,
      sessionId,
      at: "2026-01-01T00:00:00.000Z",
      source: "flood",
      outcome: "rejected",
      module: null,
      version: null,
      errors: [],
      warnings: [],
    };
    return { type: "decision.recorded", decision };
  });
}

describe("postgresStore: the tables (MRS-R1)", () => {
  it("MRS-R1 a commit appends one row per change and applies them to modules and decisions; the state row holds the revision", async () => {
    const store = storeOn();
    const first = await commitOk(store, 0, sampleChanges(2));
    expect(first).toBe(5);
    await commitOk(store, first, [...sampleChanges(1, "session-1", 2), { type: "module.removed", module: "module-0" }]);
    expect(await stateOf(store.schema)).toMatchObject({ revision: 8, oldest: 1, decisions: 3 });
    expect(await rows(`SELECT revision::integer, type FROM "${store.schema}".changes ORDER BY revision`)).toEqual([
      { revision: 1, type: "session.opened" },
      { revision: 2, type: "decision.recorded" },
      { revision: 3, type: "module.put" },
      { revision: 4, type: "decision.recorded" },
      { revision: 5, type: "module.put" },
      { revision: 6, type: "decision.recorded" },
      { revision: 7, type: "module.put" },
      { revision: 8, type: "module.removed" },
    ]);
    expect(await rows(`SELECT name, revision::integer FROM "${store.schema}".modules ORDER BY name`)).toEqual([
      { name: "module-1", revision: 5 },
      { name: "module-2", revision: 7 },
    ]);
    expect(
      await rows(`SELECT seq::integer, decision->>'id' AS id FROM "${store.schema}".decisions ORDER BY seq`),
    ).toEqual([
      { seq: 2, id: "decision-0" },
      { seq: 4, id: "decision-1" },
      { seq: 6, id: "decision-2" },
    ]);
    await store.close?.();
  });

  it("MRS-R1 a registration's commit writes only its own rows: the other modules' and decisions' rows are not rewritten", async () => {
    const store = storeOn();
    const revision = await commitOk(store, 0, sampleChanges(500));
    const versions = async () =>
      new Map(
        (
          await rows<{ key: string; xmin: string }>(
            `SELECT 'module ' || name AS key, xmin::text FROM "${store.schema}".modules
             UNION ALL SELECT 'decision ' || seq, xmin::text FROM "${store.schema}".decisions`,
          )
        ).map((r) => [r.key, r.xmin]),
      );
    const before = await versions();
    await commitOk(store, revision, sampleChanges(1, "session-1", 500));
    const after = await versions();
    const written = [...after].filter(([key, xmin]) => before.get(key) !== xmin).map(([key]) => key);
    expect(written).toEqual([`module module-500`, `decision ${revision + 1}`]);
    await store.close?.();
  });

  it("MRS-R1 a batch is applied in order: a put then a removal leaves nothing, two puts the last, and a session.opened in the middle starts over", async () => {
    const store = storeOn();
    const [opened, , putA] = sampleChanges(1, "first") as [Change, Change, Change];
    const later = sampleChanges(2, "first", 1);
    const put1 = later[1] as Change;
    const put1again = {
      ...(later[1] as Extract<Change, { type: "module.put" }>),
      record: { ...(later[1] as Extract<Change, { type: "module.put" }>).record, source: "again" },
    } as Change;
    const revision = await commitOk(store, 0, [
      opened,
      putA,
      put1,
      { type: "module.removed", module: "module-0" },
      put1again,
    ]);
    let loaded = await store.load();
    expect(Object.keys(loaded?.data.modules ?? {})).toEqual(["module-1"]);
    expect(loaded?.data.modules["module-1"]?.source).toBe("again");
    const fresh = sampleChanges(1, "second");
    await commitOk(store, revision, [...sampleChanges(1, "first", 5), ...fresh]);
    loaded = await store.load();
    expect(loaded?.data.session.id).toBe("second");
    expect(Object.keys(loaded?.data.modules ?? {})).toEqual(["module-0"]);
    expect(loaded?.data.decisions.map((d) => d.sessionId)).toEqual(["second"]);
    expect(await rows(`SELECT count(*)::integer AS n FROM "${store.schema}".decisions`)).toEqual([{ n: 1 }]);
    await store.close?.();
  });

  it("MRS-R1 module.state changes (MRS-L3) set a held module's state; on a module not held, or removed, they change nothing", async () => {
    const store = storeOn();
    const state = (module: string, to: "live" | "expired") =>
      ({ type: "module.state", module, state: to }) as unknown as Change;
    const first = sampleChanges(2);
    const second = [
      state("module-0", "expired"),
      state("module-9", "expired"),
      ...sampleChanges(1, "session-1", 2),
      state("module-2", "expired"),
      { type: "module.removed", module: "module-1" } as Change,
      state("module-1", "expired"),
    ];
    const third = [state("module-0", "live")];
    // What the core's applyChanges makes of them: the record as put, with "state": "expired"
    // while expired, and without "state" once live again.
    const held = applyChanges(null, [...first, ...sampleChanges(1, "session-1", 2)]).modules;
    const expired = (name: string) => ({ ...held[name], state: "expired" });
    let revision = await commitOk(store, 0, first);
    revision = await commitOk(store, revision, second);
    let loaded = await store.load();
    expect(loaded?.data.modules).toEqual({ "module-0": expired("module-0"), "module-2": expired("module-2") });
    revision = await commitOk(store, revision, third);
    loaded = await store.load();
    expect(loaded?.data.modules).toEqual({ "module-0": held["module-0"], "module-2": expired("module-2") });
    expect(loaded?.data.modules["module-0"]).not.toHaveProperty("state");
    const page = await store.changesSince(revision - 1);
    expect(page).toEqual({ ok: true, changes: [{ ...third[0], revision }], revision });
    await store.close?.();
  });

  it("gives records back exactly: member order, \\u0000 and lone surrogates, from load and changesSince (why json, not jsonb)", async () => {
    const store = storeOn();
    const payload = samplePayload("exact");
    const capability = payload.capabilities[0];
    if (capability === undefined) throw new Error("sample payload without a capability");
    // jsonb would sort these members by length and refuse "\u0000"; a UI shows properties in order.
    const inputSchema = JSON.parse(
      '{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"string"}},"required":["zeta"]}',
    );
    const record = {
      payload: {
        ...payload,
        capabilities: [{ ...capability, description: "nul \u0000 and a lone \ud800 here", input_schema: inputSchema }],
      },
      source: "test \\u0041 \u0000",
      acceptedAt: "2026-01-01T00:00:00.000Z",
      decisionId: "d1",
    };
    await commitOk(store, 0, [...sampleChanges(0), { type: "module.put", record }]);
    const loaded = await store.load();
    expect(JSON.stringify(loaded?.data.modules.exact)).toBe(JSON.stringify(record));
    expect(Object.keys(loaded?.data.modules.exact?.payload.capabilities[0]?.input_schema.properties ?? {})).toEqual([
      "zeta",
      "alpha",
    ]);
    const page = await store.changesSince(1);
    expect(page.ok && JSON.stringify(page.changes)).toBe(JSON.stringify([{ type: "module.put", record, revision: 2 }]));
    await store.close?.();
  });

  it("keeps the catalogs of two schemas apart", async () => {
    const one = storeOn();
    const two = storeOn();
    await one.commit(0, sampleChanges(1, "one"));
    expect(await two.load()).toBeNull();
    await two.commit(0, sampleChanges(2, "two"));
    expect((await one.load())?.data.session.id).toBe("one");
    expect((await two.load())?.data.session.id).toBe("two");
    await Promise.all([one.close?.(), two.close?.()]);
  });

  it("names its connections rune-mrs in pg_stat_activity unless the URL names them", async () => {
    const store = postgresStore({ connectionString: serverUrl(), schema: freshSchema() });
    await store.commit(0, sampleChanges(1));
    const [row] = await rows<{ count: number }>(
      "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE application_name = 'rune-mrs'",
    );
    expect(row?.count).toBeGreaterThan(0);
    await store.close?.();
  });
});

describe("postgresStore: what is kept (MRS-R3, MRS-S9)", () => {
  it("MRS-R3 keeps at least 10,000 changes, deletes older ones in batches, and answers compacted with the oldest kept", async () => {
    const store = storeOn();
    let revision = await commitOk(store, 0, sampleChanges(250));
    const oldests: number[] = [];
    // 12,501 changes in commits of 500 (250 modules each): past 10,000 + the batch of 1,000.
    for (let from = 250; revision < 12_500; from += 250) {
      revision = await commitOk(store, revision, sampleChanges(250, "session-1", from));
      oldests.push((await stateOf(store.schema))?.oldest ?? 0);
    }
    expect(revision).toBe(12_501);
    // Pruned twice, never on each commit: past 11,000 changes held, down to 10,000.
    expect(new Set(oldests)).toEqual(new Set([1, 1_002, 2_502]));
    const oldest = 2_502;
    expect(
      await rows(`SELECT min(revision)::integer AS min, count(*)::integer AS n FROM "${store.schema}".changes`),
    ).toEqual([{ min: oldest, n: revision - oldest + 1 }]);
    expect(await store.changesSince(oldest - 2)).toEqual({ ok: false, compacted: true, oldest });
    expect(await store.changesSince(0, 10)).toEqual({ ok: false, compacted: true, oldest });
    const page = await store.changesSince(oldest - 1, 3);
    expect(page.ok && page.changes.map((c) => c.revision)).toEqual([oldest, oldest + 1, oldest + 2]);
    expect(page.ok && page.revision).toBe(revision);
    // The state is whole whatever the log keeps.
    expect(Object.keys((await store.load())?.data.modules ?? {})).toHaveLength(6_250);
    await store.close?.();
  });

  it(`MRS-S9 keeps the latest ${MAX_DECISIONS.toLocaleString("en")} decisions, deleting older ones in batches; load reads only those`, async () => {
    const store = storeOn();
    let revision = await commitOk(store, 0, sampleChanges(0));
    const held: number[] = [];
    for (let from = 0; from < 12_500; from += 500) {
      revision = await commitOk(store, revision, rejections(500, from));
      held.push((await stateOf(store.schema))?.decisions ?? 0);
    }
    // 10,500, 11,000, then 11,500 > 11,000: down to 10,000; again at 11,500.
    expect(held.slice(19)).toEqual([10_000, 10_500, 11_000, 10_000, 10_500, 11_000]);
    const [count] = await rows<{ n: number }>(`SELECT count(*)::integer AS n FROM "${store.schema}".decisions`);
    expect(count?.n).toBe(11_000);
    const before = store.reads;
    const decisions = (await store.load())?.data.decisions ?? [];
    expect(store.reads.decisionRows - before.decisionRows).toBe(MAX_DECISIONS);
    expect(decisions).toHaveLength(MAX_DECISIONS);
    expect(decisions[0]?.id).toBe(`rejected-${12_500 - MAX_DECISIONS}`);
    expect(decisions.at(-1)?.id).toBe("rejected-12499");
    await store.close?.();
  });

  it("MRS-S9 a batch of more decisions than are kept stores only the latest of them", async () => {
    const store = storeOn();
    await commitOk(store, 0, [...sampleChanges(0), ...rejections(MAX_DECISIONS + 5, 0)]);
    const decisions = (await store.load())?.data.decisions ?? [];
    expect(decisions).toHaveLength(MAX_DECISIONS);
    expect(decisions[0]?.id).toBe("rejected-5");
    expect((await stateOf(store.schema))?.decisions).toBe(MAX_DECISIONS);
    await store.close?.();
  });
});

describe("postgresStore: read counters", () => {
  it("count the rows and JSON bytes each call reads", async () => {
    const store = storeOn({ watch: false });
    const changes = sampleChanges(3);
    await commitOk(store, 0, changes);
    const zero = store.reads;
    expect(zero).toEqual({
      loads: 0,
      changePages: 0,
      heads: 0,
      changeRows: 0,
      moduleRows: 0,
      decisionRows: 0,
      jsonBytes: 0,
    });
    await store.load();
    const loaded = store.reads;
    expect(loaded).toMatchObject({ loads: 1, moduleRows: 3, decisionRows: 3, changeRows: 0 });
    const catalog = sampleCatalog(3);
    const catalogBytes = [catalog.session, ...Object.values(catalog.modules), ...catalog.decisions]
      .map((value) => Buffer.byteLength(JSON.stringify(value)))
      .reduce((a, b) => a + b);
    expect(loaded.jsonBytes).toBe(catalogBytes);
    await store.changesSince(5);
    const after = store.reads;
    expect(after.changePages).toBe(1);
    expect(after.changeRows).toBe(2);
    const bodies = [changes[5], changes[6]].map((c) =>
      Buffer.byteLength(
        JSON.stringify(c?.type === "decision.recorded" ? c.decision : (c as { record: unknown }).record),
      ),
    );
    expect(after.jsonBytes - loaded.jsonBytes).toBe(bodies.reduce((a, b) => a + b));
    await store.close?.();
  });
});

describe("MRS-S11 rows that cannot be a catalog are refused with STORE_CORRUPT and left untouched", () => {
  const cases: { name: string; change: (schema: string) => string; problem: string }[] = [
    {
      name: "a session that is not one",
      change: (s) => `UPDATE "${s}".state SET session = '{"modules":{}}'`,
      problem: '"id" and "startedAt"',
    },
    {
      name: "a revision past 2^53",
      change: (s) => `UPDATE "${s}".state SET revision = 9007199254740993`,
      problem: "revision",
    },
  ];
  for (const { name, change, problem } of cases) {
    it(`${name}: load and a starting registry fail naming the table; the rows stay`, async () => {
      const store = storeOn();
      await commitOk(store, 0, sampleChanges(1));
      await admin().query(change(store.schema));
      const before = await stateOf(store.schema);
      const loaded = await failureOf(store.load());
      expect(loaded.code).toBe("STORE_CORRUPT");
      expect(loaded.message).toContain(`${store.schema}.state`);
      expect(loaded.message).toContain(problem);
      const registry = createRegistry({ store });
      expect((await failureOf(registry.start())).code).toBe("STORE_CORRUPT");
      const registered = await registry.register({ payload: samplePayload("late") }, "test");
      expect(registered.ok ? [] : registered.errors.map((e) => e.code)).toEqual(["STORE_CORRUPT"]);
      expect(await stateOf(store.schema)).toEqual(before);
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
    await store.commit(0, sampleChanges(1));
    await store.close?.();
    await store.close?.();
    expect((await failureOf(store.load())).code).toBe("STORE_UNAVAILABLE");
    expect((await failureOf(store.commit(3, sampleChanges(1, "session-1", 1)))).code).toBe("STORE_UNAVAILABLE");
    expect((await failureOf(store.changesSince(0))).code).toBe("STORE_UNAVAILABLE");
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

  it("refuses a batch it cannot write before sending anything: an unknown change type, a put without a name", async () => {
    const store = storeOn();
    await expect(store.commit(0, [{ type: "module.renamed" } as unknown as Change])).rejects.toThrow(TypeError);
    await expect(
      store.commit(0, [...sampleChanges(0), { type: "module.put", record: {} } as unknown as Change]),
    ).rejects.toThrow(/module_name/);
    expect(await store.load()).toBeNull();
    await store.close?.();
  });

  it("an empty commit changes nothing and answers the revision, or a conflict", async () => {
    const store = storeOn();
    const revision = await commitOk(store, 0, sampleChanges(1));
    expect(await store.commit(revision, [])).toEqual({ ok: true, revision });
    expect(await store.commit(revision - 1, [])).toEqual({ ok: false, conflict: true });
    expect((await stateOf(store.schema))?.revision).toBe(revision);
    await store.close?.();
  });
});
