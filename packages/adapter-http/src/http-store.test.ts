import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry, type RegistryStore } from "@rune/mrs-core";
import { sampleCatalog, samplePayload, testStore } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { httpStore } from "./http-store.js";
import { ALL, call, codes, ECHO_ONLY, startApi, type TestApi } from "./test-support.js";

// Each store under test is a client of its own real server (a registry on a memory store,
// not started, so the store begins empty); `peer` is a second client of the same server.
const servers = new Map<RegistryStore, TestApi>();
afterAll(async () => {
  for (const api of new Set(servers.values())) await api.close();
});

testStore(
  "http",
  {
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
  },
  // Each commit is a whole snapshot over HTTP: the several-writers checks stay meaningful
  // (4 writers racing) at a size that keeps the suite quick on two cores.
  {},
);

describe("GET and PUT /v1/store", () => {
  it("MRS-A1 need a token granted every name: 401 without one, 403 with a limited one", async () => {
    const api = await startApi();
    try {
      expect((await call(`${api.url}/v1/store`)).status).toBe(401);
      const limited = await call(`${api.url}/v1/store`, { token: ECHO_ONLY });
      expect(limited.status).toBe(403);
      expect(codes(limited.body)).toEqual(["FORBIDDEN_MODULE"]);
      const put = await call(`${api.url}/v1/store`, {
        method: "PUT",
        token: ECHO_ONLY,
        body: { expected: null, data: sampleCatalog(1) },
      });
      expect(put.status).toBe(403);
    } finally {
      await api.close();
    }
  });

  it("a stale revision: 409 with the revision held; a malformed snapshot: 400 INVALID_REQUEST", async () => {
    const api = await startApi();
    try {
      const held = await call(`${api.url}/v1/store`, { token: ALL });
      expect(held.status).toBe(200);
      const revision = held.body.snapshot.revision as number;
      const stale = await call(`${api.url}/v1/store`, {
        method: "PUT",
        token: ALL,
        body: { expected: revision + 5, data: sampleCatalog(1) },
      });
      expect(stale.status).toBe(409);
      expect(stale.body).toEqual({ conflict: true, revision });
      const malformed = await call(`${api.url}/v1/store`, {
        method: "PUT",
        token: ALL,
        body: { expected: revision, data: { session: {} } },
      });
      expect(malformed.status).toBe(400);
      expect(codes(malformed.body)).toContain("INVALID_REQUEST");
      expect((await call(`${api.url}/v1/store`, { token: ALL })).body.snapshot.revision).toBe(revision);
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
      // Give the event stream a moment to connect before the change it must see.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const registered = await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("seen") });
      expect(registered.status).toBe(201);
      const deadline = Date.now() + 3_000;
      while (follower.module("seen") === undefined && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(follower.module("seen")).toBeDefined();
      await follower.close();
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
    } finally {
      await api.close();
    }
  });

  it("the memory store behind the server is really written", async () => {
    const backing = memoryStore();
    const api = await startApi({ store: backing, start: false });
    try {
      const store = httpStore({ url: api.url, token: ALL });
      const result = await store.commit(null, sampleCatalog(2));
      expect(result).toEqual({ ok: true, revision: 1 });
      expect(Object.keys((await backing.load())?.data.modules ?? {})).toHaveLength(2);
    } finally {
      await api.close();
    }
  });
});
