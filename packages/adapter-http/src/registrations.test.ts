import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry, type RegistryStore } from "@rune/mrs-core";
import { faultyStore, samplePayload, trickyPayload } from "@rune/mrs-testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ALL, call, ECHO_ONLY, startApi, type TestApi } from "./test-support.js";

describe("POST /v1/registrations", () => {
  let api: TestApi;
  let url: string;
  beforeAll(async () => {
    api = await startApi();
    url = `${api.url}/v1/registrations`;
  });
  afterAll(() => api.close());

  it("MRS-A1 without a token: 401 UNAUTHORIZED, with a WWW-Authenticate challenge, nothing recorded", async () => {
    const before = api.registry.decisions().length;
    const r = await call(url, { body: samplePayload("noauth") });
    expect(r.status).toBe(401);
    expect(r.body.errors[0]).toMatchObject({ code: "UNAUTHORIZED", rule: "A1", pointer: "" });
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(api.registry.decisions()).toHaveLength(before);
  });

  it("MRS-A1 with an unknown or malformed token: 401", async () => {
    for (const authorization of [`Bearer ${ALL}x`, `Basic ${ALL}`, "Bearer", `Bearer ${ALL} extra`]) {
      const response = await fetch(url, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify(samplePayload("noauth")),
      });
      expect(response.status, authorization).toBe(401);
      await response.arrayBuffer();
    }
  });

  it("MRS-S2 a new module: 201 accepted, the body names module, version and session", async () => {
    const r = await call(url, { token: ALL, body: samplePayload("alpha", "1.0.0") });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      outcome: "accepted",
      module: "alpha",
      version: "1.0.0",
      sessionId: api.registry.session().id,
      warnings: [],
    });
    expect(typeof r.body.decisionId).toBe("string");
  });

  it("MRS-S5 the same payload again: 409 DUPLICATE_REGISTRATION with identical: true", async () => {
    const r = await call(url, { token: ALL, body: samplePayload("alpha", "1.0.0") });
    expect(r.status).toBe(409);
    expect(r.body.errors[0]).toMatchObject({ code: "DUPLICATE_REGISTRATION", rule: "S5", identical: true });
    expect(r.body).toMatchObject({ outcome: "rejected", module: "alpha", version: "1.0.0" });
  });

  it("MRS-S5 the same version with another payload: 409 DUPLICATE_REGISTRATION, not identical", async () => {
    const r = await call(url, { token: ALL, body: samplePayload("alpha", "1.0.0", ["other"]) });
    expect(r.status).toBe(409);
    expect(r.body.errors[0].code).toBe("DUPLICATE_REGISTRATION");
    expect(r.body.errors[0].identical).not.toBe(true);
  });

  it("MRS-S3 a higher version: 200 upgraded, naming the version it replaced", async () => {
    const r = await call(url, { token: ALL, body: samplePayload("alpha", "1.1.0") });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ outcome: "upgraded", module: "alpha", version: "1.1.0", previousVersion: "1.0.0" });
  });

  it("MRS-S4 a lower version: 409 VERSION_SUPERSEDED", async () => {
    const r = await call(url, { token: ALL, body: samplePayload("alpha", "1.0.1") });
    expect(r.status).toBe(409);
    expect(r.body.errors[0]).toMatchObject({ code: "VERSION_SUPERSEDED", rule: "S4" });
  });

  it("MRS-E1 bytes that are not JSON: 400 INVALID_JSON, recorded as a decision (S9)", async () => {
    const r = await call(url, { token: ALL, body: '{"registration_metadata": ' });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ code: "INVALID_JSON", rule: "E1" });
    expect(r.body.outcome).toBe("rejected");
    const last = api.registry.decisions().at(-1);
    expect(last?.id).toBe(r.body.decisionId);
    expect(last?.errors[0]?.code).toBe("INVALID_JSON");
  });

  it("MRS-E1 a JSON value that is not a payload object: 422 with rule E1", async () => {
    const r = await call(url, { token: ALL, body: "[1, 2]" });
    expect(r.status).toBe(422);
    expect(r.body.errors.every((e: { rule: string }) => /^E\d+b?$/.test(e.rule))).toBe(true);
    expect(r.body.errors.map((e: { rule: string }) => e.rule)).toContain("E1");
  });

  it("MRS-E3 MRS-E4 MRS-E5 an invalid payload: 422 naming every fault with its rule id and pointer", async () => {
    const bad = samplePayload("echo");
    bad.registration_metadata.module_name = "Echo";
    bad.registration_metadata.module_version = "1.0";
    bad.registration_metadata.registered_at = "2025-12-01T00:00:00+02:00";
    const r = await call(url, { token: ALL, body: bad });
    expect(r.status).toBe(422);
    const found = r.body.errors.map((e: { code: string; rule: string; pointer: string }) => [
      e.code,
      e.rule,
      e.pointer,
    ]);
    expect(found).toEqual(
      expect.arrayContaining([
        ["INVALID_MODULE_NAME", "E3", "/registration_metadata/module_name"],
        ["INVALID_VERSION", "E4", "/registration_metadata/module_version"],
        ["TIMESTAMP_NOT_UTC", "E5", "/registration_metadata/registered_at"],
      ]),
    );
  });

  it("MRS-E2 a misspelled member: 422 UNKNOWN_FIELD at its pointer", async () => {
    const { capabilities, ...rest } = samplePayload("typo");
    const r = await call(url, { token: ALL, body: { ...rest, capabilites: capabilities } });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: "UNKNOWN_FIELD", rule: "E2", pointer: "/capabilites" })]),
    );
  });

  it("MRS-E11 a body over 1 MiB: 413 PAYLOAD_TOO_LARGE, nothing recorded", async () => {
    const before = api.registry.decisions().length;
    const payload = samplePayload("huge");
    (payload as Record<string, unknown>)["x-padding"] = "x".repeat(1024 * 1024);
    const r = await call(url, { token: ALL, body: payload });
    expect(r.status).toBe(413);
    expect(r.body.errors[0]).toMatchObject({ code: "PAYLOAD_TOO_LARGE", rule: "E11" });
    expect(api.registry.decisions()).toHaveLength(before);
    // The server is still there, and right.
    expect((await call(`${api.url}/v1/session`)).status).toBe(200);
  });

  it("MRS-E11 exactly at the limit is not refused for its size", async () => {
    const payload = samplePayload("edge");
    const base = JSON.stringify({ ...payload, "x-padding": "" }).length;
    (payload as Record<string, unknown>)["x-padding"] = "x".repeat(1024 * 1024 - base);
    const text = JSON.stringify(payload);
    expect(Buffer.byteLength(text)).toBe(1024 * 1024);
    const r = await call(url, { token: ALL, body: text });
    expect(r.status).toBe(201);
  });

  it("a body that is not application/json: 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const text = JSON.stringify(samplePayload("plain"));
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", null]) {
      const r = await call(url, { token: ALL, body: text, contentType });
      expect(r.status, String(contentType)).toBe(415);
      expect(r.body.errors[0]).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
    }
    expect(api.registry.module("plain")).toBeUndefined();
  });

  it("application/json with a charset is accepted", async () => {
    const r = await call(url, {
      token: ALL,
      body: samplePayload("charset"),
      contentType: "application/json; charset=utf-8",
    });
    expect(r.status).toBe(201);
  });

  it("MRS-A2 a token limited to some names: 403 FORBIDDEN_MODULE for another name, nothing recorded", async () => {
    const before = api.registry.decisions().length;
    const r = await call(url, { token: ECHO_ONLY, body: samplePayload("beta") });
    expect(r.status).toBe(403);
    expect(r.body.errors[0]).toMatchObject({
      code: "FORBIDDEN_MODULE",
      rule: "A2",
      pointer: "/registration_metadata/module_name",
    });
    expect(api.registry.decisions()).toHaveLength(before);
    expect(api.registry.module("beta")).toBeUndefined();
  });

  it("MRS-A2 a token limited to some names registers those names", async () => {
    const r = await call(url, { token: ECHO_ONLY, body: samplePayload("echo") });
    expect(r.status).toBe(201);
    expect(r.body.module).toBe("echo");
  });

  it("MRS-A2 a limited token still gets the payload's faults (400, 422) for its own broken payloads", async () => {
    expect((await call(url, { token: ECHO_ONLY, body: "{nope" })).status).toBe(400);
    expect((await call(url, { token: ECHO_ONLY, body: { registration_metadata: 3 } })).status).toBe(422);
  });

  it("MRS-A3 the decision records the client's address, never the token", async () => {
    const r = await call(url, { token: ALL, body: samplePayload("addressed") });
    const decision = api.registry.decisions().find((d) => d.id === r.body.decisionId);
    expect(decision?.source).toBe("http:127.0.0.1");
    expect(JSON.stringify(api.registry.decisions())).not.toContain(ALL);
  });

  it("MRS-E12 __proto__ keys in a registered payload are data: stored, returned, and no prototype changes", async () => {
    const payload = trickyPayload();
    // A raw text with __proto__ at several levels, as an attacker would send it.
    const text = JSON.stringify(payload).replace(
      '"registration_metadata":{',
      '"registration_metadata":{"x-meta":{"__proto__":{"polluted":true}},',
    );
    expect(text).toContain('"__proto__":{"type":"string"}');
    const r = await call(url, { token: ALL, body: text });
    expect(r.status).toBe(201);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).type).toBeUndefined();
    const held = await call(`${api.url}/v1/modules/tricky`);
    expect(held.status).toBe(200);
    expect(held.text).toContain('"__proto__":{"type":"string"}');
    expect(held.text).toContain('"__proto__":{"polluted":true}');
    const properties = held.body.capabilities[0].input_schema.properties;
    expect(Object.hasOwn(properties, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
  });

  it("MRS-E2 x- extensions come back as registered", async () => {
    const held = await call(`${api.url}/v1/modules/tricky`);
    expect(held.body["x-vendor"]).toEqual({ team: "sre" });
    expect(held.body.registration_metadata["x-build"]).toBe("abc");
    expect(held.body.capabilities[0]["x-cost"]).toBe(3);
  });

  it("a malformed request (body shorter than its Content-Length) is refused and the server keeps serving", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number | string>((resolve) => {
      const req = request(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ALL}`, "content-length": "100" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", (e) => resolve(e.message));
      req.end('{"a":1}');
      setTimeout(() => req.destroy(), 300);
    });
    expect(status).not.toBe(201);
    const r = await call(url, { token: ALL, body: samplePayload("after-abort") });
    expect(r.status).toBe(201);
  });
});

describe("registering when writing is turned off or the store fails", () => {
  it("MRS-A1 with no tokens configured, registering is refused: 401", async () => {
    const api = await startApi({ tokens: [] });
    try {
      const r = await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("alpha") });
      expect(r.status).toBe(401);
      expect(r.body.errors[0].message).toMatch(/no tokens/);
    } finally {
      await api.close();
    }
  });

  it("MRS-S11 a store that fails: 503 STORE_UNAVAILABLE, then /healthz 503; the store back, both recover", async () => {
    let broken = false;
    const store = faultyStore(memoryStore(), { failCommit: () => broken, failLoad: () => broken });
    const registry = createRegistry({ store });
    const api = await startApi({ registry, store });
    try {
      expect((await call(`${api.url}/healthz`)).status).toBe(200);
      broken = true;
      const r = await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("alpha") });
      expect(r.status).toBe(503);
      expect(r.body.errors[0]).toMatchObject({ code: "STORE_UNAVAILABLE", rule: "S11" });
      expect(r.body.sessionId).toBeNull();
      const health = await call(`${api.url}/healthz`);
      expect(health.status).toBe(503);
      expect(health.body.errors[0].code).toBe("STORE_UNAVAILABLE");
      broken = false;
      const again = await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("alpha") });
      expect(again.status).toBe(201);
      expect((await call(`${api.url}/healthz`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it("MRS-S11 /healthz notices a store lost while nobody writes", async () => {
    let broken = false;
    const faulty = faultyStore(memoryStore(), { failLoad: () => broken });
    // The probe follows the store (changesSince), as a registry catching up does: that fails too.
    const store: RegistryStore = {
      ...faulty,
      load: () => faulty.load(),
      commit: (expected, changes) => faulty.commit(expected, changes),
      async changesSince(since, limit) {
        if (broken) throw new Error("injected fault");
        return faulty.changesSince(since, limit);
      },
    };
    const api = await startApi({ store });
    // One probe result is reused for up to a second of the wall clock: the test moves that clock
    // instead of waiting for it.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      expect((await call(`${api.url}/healthz`)).status).toBe(200);
      broken = true;
      expect((await call(`${api.url}/healthz`)).status).toBe(200);
      vi.setSystemTime(Date.now() + 1_050);
      expect((await call(`${api.url}/healthz`)).status).toBe(503);
    } finally {
      vi.useRealTimers();
      await api.close();
    }
  });
});
