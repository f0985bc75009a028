import { memoryStore } from "@rune/mrs-adapter-memory";
import { type Change, createRegistry, type RegistryStore } from "@rune/mrs-core";
import { type StoreFactory, sampleChanges, samplePayload, testStore } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it, vi } from "vitest";
import { httpStore } from "./http-store.js";
import { MAX_CHANGES_PAGE } from "./options.js";
import { ALL, call, codes, ECHO_ONLY, startApi, type TestApi } from "./test-support.js";

// Each store under test is a client of its own real server (a registry on a memory store,
// not started, so the store begins empty); `peer` is a second client of the same server.
const servers = new Map<RegistryStore, TestApi>();
afterAll(async () => {
  for (const api of new Set(servers.values())) await api.close();
});

const factory: StoreFactory = {
  async create() {
    const api = await startApi({ start: false });
    const store = httpStore({ url: api.url, token: ALL });
    servers.set(store, api);
    return store;
  },
  peer(store) {
    const api = servers.get(store) as TestApi;
    const peer = httpStore({ url: api.url, token: ALL });
    servers.set(peer, api);
    return peer;
  },
};

testStore("http", factory);

const AT = "2026-01-01T00:00:00.000Z";

/** POST /v1/store/commit with a token granted every name. */
const commit = (api: TestApi, expected: number, changes: unknown, token = ALL) =>
  call(`${api.url}/v1/store/commit`, { token, body: { expected, changes } });

/** The decision and put of one accepted registration in session `session-1`. */
function accepted(payload: unknown, id: string, extra: Record<string, unknown> = {}): Change[] {
  const meta = (payload as { registration_metadata: { module_name: string; module_version: string } })
    .registration_metadata;
  return [
    {
      type: "decision.recorded",
      decision: {
        id,
        sessionId: "session-1",
        at: AT,
        source: "test",
        outcome: "accepted",
        module: meta.module_name,
        version: meta.module_version,
        errors: [],
        warnings: [],
        ...extra,
      },
    },
    { type: "module.put", record: { payload, source: "test", acceptedAt: AT, decisionId: id } },
  ] as Change[];
}

/** A server on an empty store, with `module-0@1.0.0` committed in session `session-1` (revision 3). */
async function seeded(): Promise<TestApi & { revision: number }> {
  const api = await startApi({ start: false });
  const first = await commit(api, 0, sampleChanges(1));
  expect(first.body).toEqual({ ok: true, revision: 3 });
  return Object.assign(api, { revision: 3 });
}

/** What the server's store and registry hold, to show that a refused commit stored nothing. */
async function held(api: TestApi) {
  const snapshot = await api.store.load();
  return { revision: snapshot?.revision ?? 0, modules: Object.keys(snapshot?.data.modules ?? {}).sort() };
}

describe("the store routes: GET /v1/store, GET /v1/store/changes, POST /v1/store/commit", () => {
  it("MRS-A1 MRS-A2 need a token granted every name: 401 without one, 403 with a limited one", async () => {
    const api = await startApi();
    try {
      for (const [path, method] of [
        ["/v1/store", "GET"],
        ["/v1/store/changes?since=0", "GET"],
        ["/v1/store/commit", "POST"],
      ] as const) {
        const body = method === "POST" ? { expected: 0, changes: sampleChanges(1) } : undefined;
        expect((await call(`${api.url}${path}`, { method, body })).status, path).toBe(401);
        const limited = await call(`${api.url}${path}`, { method, body, token: ECHO_ONLY });
        expect(limited.status, path).toBe(403);
        expect(codes(limited.body)).toEqual(["FORBIDDEN_MODULE"]);
      }
    } finally {
      await api.close();
    }
  });

  it("MRS-R1 GET /v1/store is the state and its revision; GET /v1/store/changes the changes after a revision", async () => {
    const api = await seeded();
    try {
      const state = await call(`${api.url}/v1/store`, { token: ALL });
      expect(state.body.snapshot.revision).toBe(3);
      expect(Object.keys(state.body.snapshot.data.modules)).toEqual(["module-0"]);
      expect(state.body.snapshot.data).not.toHaveProperty("superseded");
      const all = await call(`${api.url}/v1/store/changes?since=0`, { token: ALL });
      expect(all.status).toBe(200);
      expect(all.body).toEqual({
        ok: true,
        changes: sampleChanges(1).map((change, i) => ({ ...change, revision: i + 1 })),
        revision: 3,
      });
      const page = await call(`${api.url}/v1/store/changes?since=1&limit=1`, { token: ALL });
      expect(page.body.changes.map((c: { revision: number }) => c.revision)).toEqual([2]);
      expect(page.body.revision).toBe(3);
      for (const bad of ["", "?since=-1", "?since=x", "?since=0&limit=0"]) {
        const refused = await call(`${api.url}/v1/store/changes${bad}`, { token: ALL });
        expect(refused.status, bad).toBe(400);
        expect(codes(refused.body), bad).toContain("INVALID_REQUEST");
      }
    } finally {
      await api.close();
    }
  });

  it("MRS-R1 GET /v1/store/changes answers at most 1,000 changes, whatever the limit asked", async () => {
    const api = await startApi({ start: false });
    try {
      const many = sampleChanges(600);
      expect((await commit(api, 0, many)).body.revision).toBe(many.length);
      const page = await call(`${api.url}/v1/store/changes?since=0&limit=5000`, { token: ALL });
      expect(page.body.changes).toHaveLength(MAX_CHANGES_PAGE);
      expect(page.body.revision).toBe(many.length);
      const store = httpStore({ url: api.url, token: ALL });
      const rest = await store.changesSince(MAX_CHANGES_PAGE);
      expect(rest.ok && rest.changes.map((c) => c.revision)).toEqual(
        Array.from({ length: many.length - MAX_CHANGES_PAGE }, (_, i) => MAX_CHANGES_PAGE + i + 1),
      );
      expect(await store.changesSince(0, 0)).toEqual({ ok: true, changes: [], revision: many.length });
    } finally {
      await api.close();
    }
  });

  it("MRS-R3 a since older than the changes kept: 410 with the oldest revision kept, and the store says compacted", async () => {
    const backing = memoryStore();
    const compacting: RegistryStore = {
      ...backing,
      name: "compacting",
      load: () => backing.load(),
      commit: (expected, changes) => backing.commit(expected, changes),
      async changesSince(since, limit) {
        return since < 2 ? { ok: false, compacted: true, oldest: 3 } : backing.changesSince(since, limit);
      },
    };
    const api = await startApi({ store: compacting, start: false });
    try {
      await commit(api, 0, sampleChanges(1));
      const gone = await call(`${api.url}/v1/store/changes?since=1`, { token: ALL });
      expect(gone.status).toBe(410);
      expect(gone.body).toEqual({ ok: false, compacted: true, oldest: 3 });
      const store = httpStore({ url: api.url, token: ALL });
      expect(await store.changesSince(0)).toEqual({ ok: false, compacted: true, oldest: 3 });
      expect((await store.changesSince(2)).ok).toBe(true);
    } finally {
      await api.close();
    }
  });

  it("MRS-R1 a stale expected: 409 with the revision held, and nothing is stored", async () => {
    const api = await seeded();
    try {
      for (const expected of [0, 2, 4, 99]) {
        const stale = await commit(api, expected, accepted(samplePayload("late"), "late"));
        expect(stale.status, String(expected)).toBe(409);
        expect(stale.body).toEqual({ ok: false, conflict: true, revision: 3 });
      }
      expect(await held(api)).toEqual({ revision: 3, modules: ["module-0"] });
      const store = httpStore({ url: api.url, token: ALL });
      expect(await store.commit(1, accepted(samplePayload("late"), "late"))).toEqual({ ok: false, conflict: true });
    } finally {
      await api.close();
    }
  });

  it("MRS-E3 MRS-E4 a commit whose payload fails the envelope rules: 422 with its codes at pointers into the body, nothing stored", async () => {
    const api = await seeded();
    try {
      const bad = samplePayload("Broken", "1.0", ["broken"]);
      const refused = await commit(api, 3, [...accepted(samplePayload("fine"), "d-ok"), ...accepted(bad, "d-bad")]);
      expect(refused.status).toBe(422);
      expect(
        refused.body.errors.map((e: { code: string; rule: string; pointer: string }) => [e.code, e.rule, e.pointer]),
      ).toEqual([
        ["INVALID_MODULE_NAME", "E3", "/changes/3/record/payload/registration_metadata/module_name"],
        ["INVALID_VERSION", "E4", "/changes/3/record/payload/registration_metadata/module_version"],
      ]);
      // All or nothing: the valid half of the batch is not stored either.
      expect(await held(api)).toEqual({ revision: 3, modules: ["module-0"] });
      expect(api.registry.module("fine")).toBeUndefined();
      const store = httpStore({ url: api.url, token: ALL });
      await expect(store.commit(3, accepted(bad, "d-bad"))).rejects.toMatchObject({ code: "INVALID_MODULE_NAME" });
    } finally {
      await api.close();
    }
  });

  it("MRS-E11 MRS-E10 hostile schemas are refused as on registering: UNSAFE_PATTERN, REMOTE_REF_FORBIDDEN", async () => {
    const api = await seeded();
    try {
      const bad = samplePayload("hostile");
      const schema = bad.capabilities[0]?.input_schema as unknown as { properties: Record<string, unknown> };
      // A lookahead RE2 cannot run, around a shape the analysis proves catastrophic: refused.
      schema.properties.target = { type: "string", pattern: "^(?=(a+)+$)" };
      schema.properties.remote = { $ref: "https://example.com/schema.json" };
      const refused = await commit(api, 3, accepted(bad, "d-hostile"));
      expect(refused.status).toBe(422);
      expect(codes(refused.body).sort()).toEqual(["REMOTE_REF_FORBIDDEN", "UNSAFE_PATTERN"]);
      expect(await held(api)).toEqual({ revision: 3, modules: ["module-0"] });
    } finally {
      await api.close();
    }
  });

  it("MRS-S4 MRS-S5 a put that version resolution forbids: 409 VERSION_SUPERSEDED or DUPLICATE_REGISTRATION, nothing stored", async () => {
    const api = await seeded(); // holds module-0@1.0.0
    try {
      const older = await commit(api, 3, accepted(samplePayload("module-0", "0.9.0"), "d-old"));
      expect(older.status).toBe(409);
      expect(older.body.errors).toMatchObject([
        {
          code: "VERSION_SUPERSEDED",
          rule: "S4",
          pointer: "/changes/1/record/payload/registration_metadata/module_version",
        },
      ]);
      expect(older.body).not.toHaveProperty("conflict");
      const same = await commit(api, 3, accepted(samplePayload("module-0", "1.0.0"), "d-same"));
      expect(same.status).toBe(409);
      expect(same.body.errors).toMatchObject([{ code: "DUPLICATE_REGISTRATION", rule: "S5", identical: true }]);
      expect(await held(api)).toEqual({ revision: 3, modules: ["module-0"] });
      // Over the store: an MRS failure with the code, not a conflict to retry.
      const store = httpStore({ url: api.url, token: ALL });
      await expect(store.commit(3, accepted(samplePayload("module-0", "0.9.0"), "d-old"))).rejects.toMatchObject({
        code: "VERSION_SUPERSEDED",
      });
    } finally {
      await api.close();
    }
  });

  it("MRS-C2 a LOM with a strict policy refuses another writer's undeclared breaking upgrade: 422 BREAKING_CHANGE_UNDECLARED", async () => {
    const api = await startApi({ compatibility: "strict" });
    try {
      const writer = createRegistry({ store: httpStore({ url: api.url, token: ALL }) }); // policy warn
      await writer.start();
      expect((await writer.register({ payload: samplePayload("api", "1.0.0", ["get"]) }, "cli")).ok).toBe(true);
      const revision = api.registry.revision;
      const breaking = await writer.register({ payload: samplePayload("api", "1.1.0", ["put"]) }, "cli");
      expect(breaking.ok ? [] : breaking.errors.map((e) => [e.code, e.rule])).toEqual([
        ["BREAKING_CHANGE_UNDECLARED", "C2"],
      ]);
      expect(api.registry.revision).toBe(revision);
      expect(api.registry.module("api")?.payload.registration_metadata.module_version).toBe("1.0.0");
      // A major bump declares the break: stored.
      expect((await writer.register({ payload: samplePayload("api", "2.0.0", ["put"]) }, "cli")).ok).toBe(true);
      await writer.close();
    } finally {
      await api.close();
    }
  });

  it("MRS-S3 an upgrade is stored, with its decision saying upgraded from the version held", async () => {
    const api = await seeded();
    try {
      const up = accepted(samplePayload("module-0", "2.0.0"), "d-up", {
        outcome: "upgraded",
        previousVersion: "1.0.0",
      });
      expect((await commit(api, 3, up)).body).toEqual({ ok: true, revision: 5 });
      expect(api.registry.module("module-0")?.payload.registration_metadata.module_version).toBe("2.0.0");
      expect(api.registry.revision).toBe(5);
    } finally {
      await api.close();
    }
  });

  it("MRS-S9 a put without its decision, a decision of another session, a malformed change: 400 INVALID_REQUEST at its pointer", async () => {
    const api = await seeded();
    try {
      const [, lonePut] = accepted(samplePayload("alone"), "d-alone");
      const orphan = await commit(api, 3, [lonePut]);
      expect(orphan.status).toBe(400);
      expect(orphan.body.errors).toMatchObject([{ code: "INVALID_REQUEST", pointer: "/changes/0/record/decisionId" }]);
      const elsewhere = await commit(api, 3, accepted(samplePayload("other"), "d-other", { sessionId: "session-0" }));
      expect(elsewhere.body.errors).toMatchObject([
        { code: "INVALID_REQUEST", pointer: "/changes/0/decision/sessionId" },
      ]);
      const malformed = await commit(api, 3, [{ type: "module.patched" }, 5]);
      expect(malformed.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
        "/changes/0/type",
        "/changes/1",
      ]);
      for (const body of [{ expected: 3 }, { expected: -1, changes: [] }, { expected: 3, changes: {} }, "not json"]) {
        const refused = await call(`${api.url}/v1/store/commit`, { token: ALL, body });
        expect(refused.status, JSON.stringify(body)).toBe(400);
      }
      expect(await held(api)).toEqual({ revision: 3, modules: ["module-0"] });
    } finally {
      await api.close();
    }
  });

  it("MRS-R1 a first commit on an empty store opens a session first", async () => {
    const api = await startApi({ start: false });
    try {
      const refused = await commit(api, 0, sampleChanges(1).slice(1));
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toMatchObject([{ code: "INVALID_REQUEST", pointer: "/changes/0" }]);
      expect(await api.store.load()).toBeNull();
    } finally {
      await api.close();
    }
  });

  it("MRS-R1 a registration through the HTTP store sends what it changes, not the catalog", async () => {
    const api = await startApi({ start: false });
    const spy = vi.spyOn(globalThis, "fetch");
    try {
      await commit(api, 0, sampleChanges(300));
      const writer = createRegistry({ store: httpStore({ url: api.url, token: ALL }) });
      await writer.start();
      spy.mockClear();
      expect((await writer.register({ payload: samplePayload("small") }, "cli")).ok).toBe(true);
      const sent = spy.mock.calls
        .filter(([url]) => String(url).endsWith("/v1/store/commit"))
        .map(([, init]) => String(init?.body ?? "").length);
      expect(sent).toHaveLength(1);
      // One decision and one put: a few hundred bytes, where the catalog of 300 modules is 100 times more.
      expect(sent[0]).toBeLessThan(2_000);
      expect(JSON.stringify((await api.store.load())?.data).length).toBeGreaterThan(100 * (sent[0] as number));
      await writer.close();
    } finally {
      spy.mockRestore();
      await api.close();
    }
  });

  it("MRS-L1 MRS-L4 a lease and a deregistration through the HTTP store pass the serving LOM's checks", async () => {
    const api = await startApi();
    try {
      const writer = createRegistry({ store: httpStore({ url: api.url, token: ALL }) });
      await writer.start();
      const leased = await writer.register({ payload: samplePayload("leased") }, "cli", { lease: 60 });
      expect(leased.ok).toBe(true);
      expect(api.registry.module("leased")?.lease).toEqual({ seconds: 60 });
      const gone = await writer.deregister("leased");
      expect(gone.ok).toBe(true);
      expect(api.registry.module("leased")).toBeUndefined();
      expect(api.registry.decisions({ module: "leased" }).map((d) => [d.outcome, d.rule])).toEqual([
        ["accepted", undefined],
        ["deregistered", "L4"],
      ]);
      await writer.close();
    } finally {
      await api.close();
    }
  });

  it("a write through the store is what the serving registry reads next", async () => {
    const api = await startApi();
    try {
      const store = httpStore({ url: api.url, token: ALL });
      const writer = createRegistry({ store });
      await writer.start();
      expect(writer.session().id).toBe(api.registry.session().id);
      const result = await writer.register({ payload: samplePayload("remote") }, "cli");
      expect(result.ok).toBe(true);
      expect(api.registry.module("remote")?.source).toBe("cli");
      expect((await call(`${api.url}/v1/modules/remote`)).status).toBe(200);
      // The server's own registrations and the writer's share one sequence of revisions.
      expect(api.registry.revision).toBe(writer.revision);
      await writer.close();
    } finally {
      await api.close();
    }
  });

  it("watch: a registry on the HTTP store sees what others register, as it happens", async () => {
    const api = await startApi();
    try {
      const follower = createRegistry({ store: httpStore({ url: api.url, token: ALL }) });
      await follower.start();
      // The follower's own event for the module is what the test waits for: no polling.
      const seen = new Promise<void>((resolve) => {
        const stop = follower.subscribe((event) => {
          if (event.type === "module" && event.module === "seen") {
            stop();
            resolve();
          }
        });
      });
      const registered = await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("seen") });
      expect(registered.status).toBe(201);
      await seen;
      expect(follower.module("seen")).toBeDefined();
      expect(follower.revision).toBe(api.registry.revision);
      await follower.close();
    } finally {
      await api.close();
    }
  });

  it("MRS-R1 watch calls back with the revision of the events, once per burst", async () => {
    const api = await seeded();
    try {
      const store = httpStore({ url: api.url, token: ALL });
      const told: number[] = [];
      const stop = store.watch?.((revision) => told.push(revision));
      // The connection itself asks for the revision: 3 (the commit before the watch).
      await vi.waitFor(() => expect(told).toEqual([3]));
      await commit(api, 3, [...accepted(samplePayload("one"), "d-1"), ...accepted(samplePayload("two"), "d-2")]);
      await vi.waitFor(() => expect(told.at(-1)).toBe(7));
      expect(told.length).toBeLessThanOrEqual(3);
      stop?.();
      await store.close?.();
    } finally {
      await api.close();
    }
  });

  it("MRS-S11 a LOM that does not answer: the store throws and the registry reports STORE_UNAVAILABLE", async () => {
    const api = await startApi();
    const store = httpStore({ url: api.url, token: ALL, timeoutMs: 500 });
    const registry = createRegistry({ store });
    await registry.start();
    await api.close();
    const result = await registry.register({ payload: samplePayload("late") }, "cli");
    expect(result.ok ? [] : result.errors.map((e) => e.code)).toEqual(["STORE_UNAVAILABLE"]);
    await registry.close();
  });

  it("MRS-S11 a wrong token keeps the LOM's own MRS error", async () => {
    const api = await startApi();
    try {
      const store = httpStore({ url: api.url, token: "nope" });
      await expect(store.load()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      await expect(store.changesSince(0)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      await expect(store.commit(0, sampleChanges(1))).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    } finally {
      await api.close();
    }
  });

  it("the memory store behind the server is really written", async () => {
    const backing = memoryStore();
    const api = await startApi({ store: backing, start: false });
    try {
      const store = httpStore({ url: api.url, token: ALL });
      const changes = sampleChanges(2);
      expect(await store.commit(0, changes)).toEqual({ ok: true, revision: changes.length });
      expect(Object.keys((await backing.load())?.data.modules ?? {})).toHaveLength(2);
    } finally {
      await api.close();
    }
  });
});

describe("MRS-R1 a registry on an HTTP store sends each payload as the text it already wrote", () => {
  it("declares it writes JSON, and the LOM behind it holds the payload registered as text, member for member", async () => {
    const api = await startApi({ start: false });
    const store = httpStore({ url: api.url, token: ALL });
    const registry = createRegistry({ store });
    try {
      expect(store.writesJson).toBe(true);
      await registry.start();
      const payload = samplePayload("texted");
      const result = await registry.register({ text: JSON.stringify(payload) }, "test");
      expect(result.outcome).toBe("accepted");
      const snapshot = await api.store.load();
      expect(JSON.stringify(snapshot?.data.modules.texted?.payload)).toBe(JSON.stringify(payload));
    } finally {
      await registry.close();
      await api.close();
    }
  });
});
