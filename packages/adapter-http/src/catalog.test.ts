import { samplePayload } from "@rune/mrs-testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL, call, codes, ECHO_ONLY, startApi, type TestApi } from "./test-support.js";

// A catalog with one shared action: `restart` is declared by two modules (S8), `status` by one.
async function seed(api: TestApi) {
  for (const payload of [
    samplePayload("nomad", "1.0.0", ["restart", "status"]),
    samplePayload("nomad", "1.2.0", ["restart", "status"]),
    samplePayload("nomad", "1.1.0", ["restart", "status"]),
    samplePayload("consul", "2.0.0", ["restart"]),
  ]) {
    await call(`${api.url}/v1/registrations`, { token: ALL, body: payload });
  }
}

describe("reading the catalog", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
    await seed(api);
  });
  afterAll(() => api.close());

  it("GET /v1/modules: every module held, by name, at its current version", async () => {
    const r = await call(`${api.url}/v1/modules`);
    expect(r.status).toBe(200);
    expect(
      r.body.modules.map((m: { module_name: string; module_version: string }) => [m.module_name, m.module_version]),
    ).toEqual([
      ["consul", "2.0.0"],
      ["nomad", "1.2.0"],
    ]);
  });

  it("GET /v1/modules/{name}: name, version, registered_at and capabilities at the top level, with source and time", async () => {
    const r = await call(`${api.url}/v1/modules/nomad`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      module_name: "nomad",
      module_version: "1.2.0",
      registered_at: "2025-12-01T00:00:00Z",
      source: "http:127.0.0.1",
    });
    expect(r.body.capabilities.map((c: { action: string }) => c.action)).toEqual(["restart", "status"]);
    expect(Number.isNaN(Date.parse(r.body.acceptedAt))).toBe(false);
  });

  it("GET /v1/modules/{name}: 404 UNKNOWN_MODULE for a name not held", async () => {
    const r = await call(`${api.url}/v1/modules/vault`);
    expect(r.status).toBe(404);
    expect(r.body.errors[0]).toMatchObject({ code: "UNKNOWN_MODULE", pointer: "" });
    expect(r.body.errors[0].hint).toContain("/v1/decisions?module=vault");
  });

  it("MRS-S8 GET /v1/capabilities: every capability with its module/action address", async () => {
    const r = await call(`${api.url}/v1/capabilities`);
    expect(r.status).toBe(200);
    expect(r.body.capabilities.map((c: { address: string; name: string }) => [c.address, c.name])).toEqual([
      ["consul/restart", "consul/restart"],
      ["nomad/restart", "nomad/restart"],
      ["nomad/status", "status"],
    ]);
  });

  it("MRS-S8 GET /v1/capabilities/{action}: a bare action declared once, with both schemas", async () => {
    const r = await call(`${api.url}/v1/capabilities/status`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ address: "nomad/status", module: "nomad", version: "1.2.0", action: "status" });
    expect(r.body.input_schema.type).toBe("object");
    expect(r.body.output_schema.type).toBe("object");
  });

  it("MRS-S8 module/action works with the slash sent raw and as %2F (either case)", async () => {
    for (const path of ["nomad/restart", "nomad%2Frestart", "nomad%2frestart"]) {
      const r = await call(`${api.url}/v1/capabilities/${path}`);
      expect(r.status, path).toBe(200);
      expect(r.body.address).toBe("nomad/restart");
    }
  });

  it("MRS-S8 an action several modules declare: 409 AMBIGUOUS_ACTION listing the candidates", async () => {
    const r = await call(`${api.url}/v1/capabilities/restart`);
    expect(r.status).toBe(409);
    expect(r.body.errors[0]).toMatchObject({
      code: "AMBIGUOUS_ACTION",
      rule: "S8",
      candidates: ["consul/restart", "nomad/restart"],
    });
  });

  it("MRS-S8 an unknown action or address: 404 UNKNOWN_ACTION", async () => {
    for (const path of ["deploy", "nomad/deploy", "vault%2Fstatus"]) {
      const r = await call(`${api.url}/v1/capabilities/${path}`);
      expect(r.status, path).toBe(404);
      expect(codes(r.body)).toEqual(["UNKNOWN_ACTION"]);
    }
  });

  it("GET /v1/actions: a JSON array of {name, description, input_schema, output_schema, module, version}", async () => {
    const r = await call(`${api.url}/v1/actions`);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body)).toBe(true);
    expect(r.body.map((a: { name: string }) => a.name)).toEqual(["consul/restart", "nomad/restart", "status"]);
    expect(Object.keys(r.body[2]).sort()).toEqual(
      ["description", "input_schema", "module", "name", "output_schema", "version"].sort(),
    );
    expect(r.body[2]).toMatchObject({ module: "nomad", version: "1.2.0", description: "Runs status" });
  });

  it("MRS-S9 GET /v1/decisions?module=NAME: the upgrades and each rejection with its errors, oldest first", async () => {
    const r = await call(`${api.url}/v1/decisions?module=nomad`);
    expect(r.status).toBe(200);
    expect(
      r.body.decisions.map((d: { outcome: string; version: string; errors: { code: string }[] }) => [
        d.outcome,
        d.version,
        d.errors.map((e) => e.code),
      ]),
    ).toEqual([
      ["accepted", "1.0.0", []],
      ["upgraded", "1.2.0", []],
      ["rejected", "1.1.0", ["VERSION_SUPERSEDED"]],
    ]);
    expect(r.body.decisions[1].previousVersion).toBe("1.0.0");
    expect(r.body.decisions.every((d: { sessionId: string }) => d.sessionId === api.registry.session().id)).toBe(true);
  });

  it("MRS-S9 GET /v1/decisions without a module: every decision of the session", async () => {
    const r = await call(`${api.url}/v1/decisions`);
    expect(r.body.decisions).toHaveLength(4);
    expect((await call(`${api.url}/v1/decisions?module=vault`)).body.decisions).toEqual([]);
  });

  it("GET /v1/session: id, start and counts", async () => {
    const r = await call(`${api.url}/v1/session`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      id: api.registry.session().id,
      startedAt: api.registry.session().startedAt,
      modules: 2,
      capabilities: 3,
      decisions: 4,
      rejected: 1,
    });
  });

  it("MRS-H1 an unknown route answers 404 NOT_FOUND in the MRS error format", async () => {
    for (const [method, path] of [
      ["GET", "/v1/nothing-here"],
      ["POST", "/v1/modules"],
      ["GET", "/v2/modules"],
    ] as const) {
      const r = await call(`${api.url}${path}`, { method });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.errors).toEqual([
        expect.objectContaining({ code: "NOT_FOUND", rule: "H1", pointer: "", message: `no route ${method} ${path}` }),
      ]);
    }
  });
});

describe("a capability read after each change", () => {
  it("MRS-R4 MRS-S8 GET /v1/capabilities/{action} answers what the catalog holds now: upgrade, ambiguity, removal", async () => {
    const api = await startApi();
    try {
      await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("nomad", "1.0.0", ["status"]) });
      const first = await call(`${api.url}/v1/capabilities/status`);
      expect(first.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(first.body).toMatchObject({ address: "nomad/status", name: "status", version: "1.0.0" });
      // The same bytes to the next reader while nothing changed.
      expect((await call(`${api.url}/v1/capabilities/status`)).text).toBe(first.text);
      const upgrade = samplePayload("nomad", "1.1.0", ["status"]);
      (upgrade.capabilities[0] as { description: string }).description = "Reports status, now with uptime";
      await call(`${api.url}/v1/registrations`, { token: ALL, body: upgrade });
      const upgraded = await call(`${api.url}/v1/capabilities/status`);
      expect(upgraded.body).toMatchObject({ version: "1.1.0", description: "Reports status, now with uptime" });
      expect(upgraded.headers.get("etag")).not.toBe(first.headers.get("etag"));
      await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("consul", "1.0.0", ["status"]) });
      expect((await call(`${api.url}/v1/capabilities/status`)).status).toBe(409);
      const addressed = await call(`${api.url}/v1/capabilities/nomad/status`);
      expect(addressed.body).toMatchObject({ name: "nomad/status", version: "1.1.0" });
      await call(`${api.url}/v1/modules/consul`, { method: "DELETE", token: ALL });
      expect((await call(`${api.url}/v1/capabilities/status`)).body).toMatchObject({
        name: "status",
        version: "1.1.0",
      });
    } finally {
      await api.close();
    }
  });
});

describe("POST /v1/capabilities/{action}/validate", () => {
  let api: TestApi;
  const validate = (ref: string, body: unknown) => call(`${api.url}/v1/capabilities/${ref}/validate`, { body });
  beforeAll(async () => {
    api = await startApi();
    await seed(api);
  });
  afterAll(() => api.close());

  it("MRS-I1 a valid input: 200 {valid: true}", async () => {
    const r = await validate("status", { input: { target: "web" } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ valid: true });
  });

  it("MRS-I1 an invalid input: 200 {valid: false, errors} with INPUT_INVALID", async () => {
    const r = await validate("status", { input: { target: 1 } });
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(false);
    expect(codes(r.body)).toContain("INPUT_INVALID");
  });

  it("MRS-I1 an invalid output: 200 {valid: false, errors} with OUTPUT_INVALID", async () => {
    const r = await validate("nomad/status", { output: {} });
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(false);
    expect(codes(r.body)).toContain("OUTPUT_INVALID");
  });

  it("MRS-S8 module/action with a raw slash and with %2F", async () => {
    for (const ref of ["nomad/restart", "nomad%2Frestart", "consul/restart"]) {
      const r = await validate(ref, { output: { result: "ok" } });
      expect(r.status, ref).toBe(200);
      expect(r.body).toEqual({ valid: true });
    }
  });

  it("MRS-S8 an ambiguous action: 409 AMBIGUOUS_ACTION; an unknown one: 404 UNKNOWN_ACTION", async () => {
    const ambiguous = await validate("restart", { input: { target: "x" } });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.errors[0].candidates).toEqual(["consul/restart", "nomad/restart"]);
    const unknown = await validate("nomad/deploy", { input: {} });
    expect(unknown.status).toBe(404);
    expect(codes(unknown.body)).toEqual(["UNKNOWN_ACTION"]);
  });

  it("a body with neither or both of input and output: 400 INVALID_REQUEST", async () => {
    for (const body of [{}, { input: {}, output: {} }, { inptu: {} }]) {
      const r = await validate("status", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(codes(r.body)).toContain("INVALID_REQUEST");
    }
  });

  it("a body that is not an object: 400 INVALID_REQUEST; not JSON: 400 INVALID_JSON; not UTF-8: 400", async () => {
    expect((await validate("status", "[1]")).status).toBe(400);
    const notJson = await validate("status", "{input:");
    expect(notJson.status).toBe(400);
    expect(codes(notJson.body)).toEqual(["INVALID_JSON"]);
    const notUtf8 = await validate("status", new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(notUtf8.status).toBe(400);
    expect(codes(notUtf8.body)).toEqual(["INVALID_JSON"]);
  });

  it("a body that is not application/json: 415", async () => {
    const r = await call(`${api.url}/v1/capabilities/status/validate`, {
      body: '{"input":{}}',
      contentType: "text/plain",
    });
    expect(r.status).toBe(415);
    expect(codes(r.body)).toEqual(["UNSUPPORTED_MEDIA_TYPE"]);
  });

  it("MRS-E12 an input with __proto__ is data: validated, no prototype changed", async () => {
    const r = await validate("status", '{"input":{"target":"x","__proto__":{"polluted":1}}}');
    expect(r.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a deeply nested input does not take the server down", async () => {
    const deep = `{"input":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const r = await validate("status", deep);
    expect(r.status).toBeGreaterThanOrEqual(200);
    expect((await call(`${api.url}/v1/session`)).status).toBe(200);
  });
});

describe('MRS-A1 read: "token"', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({ read: "token" });
    await seed(api);
  });
  afterAll(() => api.close());

  it("reading without a token: 401 on every catalog route", async () => {
    for (const path of [
      "/v1/modules",
      "/v1/modules/nomad",
      "/v1/capabilities",
      "/v1/capabilities/status",
      "/v1/actions",
      "/v1/decisions",
      "/v1/session",
      "/v1/events",
    ]) {
      const r = await call(`${api.url}${path}`);
      expect(r.status, path).toBe(401);
      expect(codes(r.body)).toEqual(["UNAUTHORIZED"]);
    }
    const validate = await call(`${api.url}/v1/capabilities/status/validate`, { body: { input: {} } });
    expect(validate.status).toBe(401);
  });

  it("reading with any configured token (even one limited to some names): 200", async () => {
    expect((await call(`${api.url}/v1/modules`, { token: ECHO_ONLY })).status).toBe(200);
    expect((await call(`${api.url}/v1/capabilities/status`, { token: ALL })).status).toBe(200);
  });

  it("/healthz and /openapi.json stay open", async () => {
    expect((await call(`${api.url}/healthz`)).status).toBe(200);
    expect((await call(`${api.url}/openapi.json`)).status).toBe(200);
  });
});

describe("the session", () => {
  it("MRS-A1 POST /v1/session/refresh: 401 without a token, 403 with a token limited to some names", async () => {
    const api = await startApi();
    try {
      const before = api.registry.session().id;
      expect((await call(`${api.url}/v1/session/refresh`, { method: "POST" })).status).toBe(401);
      const limited = await call(`${api.url}/v1/session/refresh`, { method: "POST", token: ECHO_ONLY });
      expect(limited.status).toBe(403);
      expect(codes(limited.body)).toEqual(["FORBIDDEN_MODULE"]);
      expect(api.registry.session().id).toBe(before);
    } finally {
      await api.close();
    }
  });

  it("MRS-S10 POST /v1/session/refresh: a new session, rebuilt from the sources", async () => {
    const api = await startApi();
    try {
      await seed(api);
      const before = api.registry.session().id;
      const r = await call(`${api.url}/v1/session/refresh`, { method: "POST", token: ALL });
      expect(r.status).toBe(200);
      expect(r.body.id).not.toBe(before);
      expect(r.body).toMatchObject({ modules: 0, decisions: 0 });
      expect((await call(`${api.url}/v1/session`)).body.id).toBe(r.body.id);
      // A JSON body on refresh is allowed (and ignored); a non-JSON one is not.
      const withBody = await call(`${api.url}/v1/session/refresh`, { token: ALL, body: {} });
      expect(withBody.status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it("GET /healthz: 503 before the registry has started, 200 after", async () => {
    const api = await startApi({ start: false });
    try {
      const before = await call(`${api.url}/healthz`);
      expect(before.status).toBe(503);
      expect(codes(before.body)).toEqual(["STORE_UNAVAILABLE"]);
      // Reads before the session exists are 503 too, not 500.
      expect((await call(`${api.url}/v1/modules`)).status).toBe(503);
      await api.registry.start();
      const after = await call(`${api.url}/healthz`);
      expect(after.status).toBe(200);
      expect(after.body).toEqual({ ready: true, session: api.registry.session().id });
    } finally {
      await api.close();
    }
  });
});
