// Leases, heartbeats and deregistration over HTTP (RULES.md L1-L5, L7), on a real server on
// 127.0.0.1. Expiry waits on the registry's own event, with the lease clock moved by hand.
import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry, type RegistryEvent } from "@rune/mrs-core";
import { samplePayload } from "@rune/mrs-testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mrsClient } from "./client.js";
import { ALL, call, codes, ECHO_ONLY, startApi, type TestApi } from "./test-support.js";

let offset = 0;
let api: TestApi;
beforeAll(async () => {
  const store = memoryStore();
  const registry = createRegistry({
    store,
    monotonic: () => performance.now() + offset,
    leases: { min: 10, max: 3600, grace: 60 },
  });
  api = await startApi({ registry, store });
});
afterAll(() => api.close());

const register = (name: string, query = "", token = ALL) =>
  call(`${api.url}/v1/registrations${query}`, { token, body: samplePayload(name, "1.0.0") });
const heartbeat = (name: string, body?: unknown, token = ALL) =>
  call(`${api.url}/v1/modules/${name}/heartbeat`, { token, method: "POST", ...(body === undefined ? {} : { body }) });

describe("MRS-L1 POST /v1/registrations?lease=SECONDS", () => {
  it("grants the lease, clamped to the bounds, with its expiry; the module shows it", async () => {
    const before = Date.now();
    const answer = await register("leased", "?lease=5");
    expect(answer.status).toBe(201);
    expect(answer.body.lease.seconds).toBe(10);
    expect(Date.parse(answer.body.lease.expires_at) - before).toBeGreaterThanOrEqual(9_000);
    const module = await call(`${api.url}/v1/modules/leased`);
    expect(module.body).toMatchObject({ state: "live", lease: { seconds: 10 } });
    const plain = await register("plain");
    expect(plain.body.lease).toBeUndefined();
    expect((await call(`${api.url}/v1/modules/plain`)).body).toMatchObject({ state: "live" });
  });

  it("refuses a lease that is not a positive integer: 400 INVALID_LEASE, nothing stored", async () => {
    for (const lease of ["0", "-3", "1.5", "ten", ""]) {
      const answer = await register("refused", `?lease=${lease}`);
      expect([answer.status, codes(answer.body)], lease).toEqual([400, ["INVALID_LEASE"]]);
    }
    expect((await call(`${api.url}/v1/modules/refused`)).status).toBe(404);
  });
});

describe("MRS-L2 MRS-L7 POST /v1/modules/{name}/heartbeat", () => {
  it("renews the lease and answers the new expiry", async () => {
    await register("beating", "?lease=60");
    const answer = await heartbeat("beating", { module_version: "1.0.0" });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ module: "beating", version: "1.0.0", lease: { seconds: 60 } });
    expect(answer.body.expires_at).toBe(answer.body.lease.expires_at);
  });

  it("404 UNKNOWN_MODULE, 409 VERSION_SUPERSEDED for another version, 409 NO_LEASE", async () => {
    await register("beating-2", "?lease=60");
    await register("no-lease");
    const unknown = await heartbeat("nobody");
    expect([unknown.status, codes(unknown.body)]).toEqual([404, ["UNKNOWN_MODULE"]]);
    const other = await heartbeat("beating-2", { module_version: "9.9.9" });
    expect([other.status, codes(other.body)]).toEqual([409, ["VERSION_SUPERSEDED"]]);
    const none = await heartbeat("no-lease");
    expect([none.status, codes(none.body)]).toEqual([409, ["NO_LEASE"]]);
  });

  it("needs a token granted that name (L7, A1-A2)", async () => {
    await register("guarded", "?lease=60");
    expect((await call(`${api.url}/v1/modules/guarded/heartbeat`, { method: "POST" })).status).toBe(401);
    const forbidden = await heartbeat("guarded", undefined, ECHO_ONLY);
    expect([forbidden.status, codes(forbidden.body)]).toEqual([403, ["FORBIDDEN_MODULE"]]);
  });
});

describe("MRS-L3 expiry over HTTP", () => {
  it("an expired module is listed with its state, its actions answer 410 MODULE_EXPIRED; a heartbeat brings it back", async () => {
    await register("fading", "?lease=10");
    const expired = new Promise<void>((resolve) => {
      const stop = api.registry.subscribe((event: RegistryEvent) => {
        if (event.type === "module" && event.module === "fading" && event.action === "expired") {
          stop();
          resolve();
        }
      });
    });
    // Less than the shortest lease at once (more would count as the LOM itself having been away, L6).
    offset += 8_500;
    await expired;
    expect((await call(`${api.url}/v1/modules/fading`)).body).toMatchObject({ state: "expired" });
    const capability = await call(`${api.url}/v1/capabilities/fading`);
    expect([capability.status, codes(capability.body)]).toEqual([410, ["MODULE_EXPIRED"]]);
    const actions = (await call(`${api.url}/v1/actions`)).body as { module: string }[];
    expect(actions.map((a) => a.module)).not.toContain("fading");
    expect((await heartbeat("fading")).status).toBe(200);
    expect((await call(`${api.url}/v1/capabilities/fading`)).status).toBe(200);
  });
});

describe("MRS-L4 MRS-L5 DELETE /v1/modules/{name}", () => {
  it("deregisters at once with a recorded decision; the name registers again with any version", async () => {
    await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("leaving", "3.0.0") });
    const answer = await call(`${api.url}/v1/modules/leaving`, { token: ALL, method: "DELETE" });
    expect(answer.status).toBe(200);
    expect(answer.body.decision).toMatchObject({ outcome: "deregistered", module: "leaving", rule: "L4" });
    expect((await call(`${api.url}/v1/modules/leaving`)).status).toBe(404);
    const gone = await call(`${api.url}/v1/modules/leaving`, { token: ALL, method: "DELETE" });
    expect([gone.status, codes(gone.body)]).toEqual([404, ["UNKNOWN_MODULE"]]);
    const again = await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("leaving", "1.0.0") });
    expect(again.status).toBe(201);
  });

  it("needs a token granted that name (L7)", async () => {
    await register("kept");
    expect((await call(`${api.url}/v1/modules/kept`, { method: "DELETE" })).status).toBe(401);
    const forbidden = await call(`${api.url}/v1/modules/kept`, { token: ECHO_ONLY, method: "DELETE" });
    expect([forbidden.status, codes(forbidden.body)]).toEqual([403, ["FORBIDDEN_MODULE"]]);
  });
});

describe("MRS-L1 MRS-L2 MRS-L4 mrsClient for module authors", () => {
  it("registers with a lease, keeps it alive at a third of the lease until stopped, and deregisters", async () => {
    const client = mrsClient({ url: api.url, token: ALL });
    const registered = await client.register(samplePayload("client-made", "1.0.0"), { lease: 30 });
    expect(registered.ok && registered.value.lease?.seconds).toBe(30);
    const beats: boolean[] = [];
    let heard!: () => void;
    const three = new Promise<void>((resolve) => {
      heard = resolve;
    });
    // 0.3 s of lease as far as the client is told: a beat every 100 ms, three of them.
    const alive = client.keepAlive("client-made", {
      leaseSeconds: 0.3,
      version: "1.0.0",
      onBeat: (answer) => {
        beats.push(answer.ok);
        if (beats.length === 3) heard();
      },
    });
    await three;
    await alive.stop();
    const counted = beats.length;
    expect(beats.every(Boolean)).toBe(true);
    expect(alive.last?.ok && alive.last.value.lease.seconds).toBe(30);
    const removed = await client.deregister("client-made");
    expect(removed.ok && removed.value).toMatchObject({ outcome: "deregistered", rule: "L4" });
    // Stopped means stopped: a beat now would be refused (404) and counted.
    await client.health();
    expect(beats).toHaveLength(counted);
  });

  it("a refused heartbeat stops keepAlive by itself", async () => {
    const client = mrsClient({ url: api.url, token: ALL });
    const refused = new Promise<number>((resolve) => {
      client.keepAlive("never-registered", { leaseSeconds: 30, onBeat: (answer) => resolve(answer.status) });
    });
    expect(await refused).toBe(404);
  });
});
