import { samplePayload } from "@rune/mrs-testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mrsClient } from "./client.js";
import { ALL, ECHO_ONLY, startApi, type TestApi } from "./test-support.js";

describe("mrsClient", () => {
  let api: TestApi;
  let lom: ReturnType<typeof mrsClient>;
  beforeAll(async () => {
    api = await startApi();
    lom = mrsClient({ url: `${api.url}/`, token: ALL });
  });
  afterAll(() => api.close());

  it("MRS-S2 register: accepted, with status 201", async () => {
    const answer = await lom.register(samplePayload("echo", "1.0.0", ["echo", "ping"]));
    expect(answer).toMatchObject({ ok: true, status: 201, value: { outcome: "accepted", module: "echo" } });
  });

  it("MRS-S5 a retry of the identical payload is a success: outcome unchanged", async () => {
    const answer = await lom.register(samplePayload("echo", "1.0.0", ["echo", "ping"]));
    expect(answer).toMatchObject({
      ok: true,
      status: 409,
      value: { outcome: "unchanged", module: "echo", version: "1.0.0", sessionId: api.registry.session().id },
    });
  });

  it("MRS-S5 a different payload at the same version is not: ok false with the 409's errors", async () => {
    const answer = await lom.register(samplePayload("echo", "1.0.0", ["other"]));
    expect(answer.ok).toBe(false);
    expect(answer.ok ? null : [answer.status, answer.errors[0]?.code]).toEqual([409, "DUPLICATE_REGISTRATION"]);
  });

  it("MRS-S3 register raw JSON text: upgraded", async () => {
    const answer = await lom.register(JSON.stringify(samplePayload("echo", "1.1.0", ["echo", "ping"])));
    expect(answer).toMatchObject({ ok: true, status: 200, value: { outcome: "upgraded", previousVersion: "1.0.0" } });
  });

  it("MRS-E1 register text that is not JSON: errors as data", async () => {
    const answer = await lom.register("{nope");
    expect(answer.ok ? null : [answer.status, answer.errors[0]?.code]).toEqual([400, "INVALID_JSON"]);
  });

  it("MRS-A2 a limited token: 403 as data", async () => {
    const limited = mrsClient({ url: api.url, token: ECHO_ONLY });
    const answer = await limited.register(samplePayload("other"));
    expect(answer.ok ? null : [answer.status, answer.errors[0]?.code]).toEqual([403, "FORBIDDEN_MODULE"]);
  });

  it("reads: session, modules, module, capabilities, capability, actions, decisions", async () => {
    const session = await lom.session();
    expect(session.ok && session.value.modules).toBe(1);
    const modules = await lom.modules();
    expect(modules.ok && modules.value.map((m) => m.module_name)).toEqual(["echo"]);
    const one = await lom.module("echo");
    expect(one.ok && one.value.module_version).toBe("1.1.0");
    const missing = await lom.module("nope");
    expect(missing.ok ? null : [missing.status, missing.errors[0]?.code]).toEqual([404, "UNKNOWN_MODULE"]);
    const capabilities = await lom.capabilities();
    expect(capabilities.ok && capabilities.value.map((c) => c.address)).toEqual(["echo/echo", "echo/ping"]);
    const capability = await lom.capability("echo/ping");
    expect(capability.ok && capability.value.name).toBe("ping");
    const actions = await lom.actions();
    expect(actions.ok && actions.value.map((a) => a.name)).toEqual(["echo", "ping"]);
    const decisions = await lom.decisions("echo");
    expect(decisions.ok && decisions.value.map((d) => d.outcome)).toEqual([
      "accepted",
      "rejected",
      "rejected",
      "upgraded",
    ]);
    const all = await lom.decisions();
    expect(all.ok && all.value.length).toBeGreaterThan(3);
  });

  it("validate: by bare action and by module/action", async () => {
    expect(await lom.validate("ping", { input: { target: "x" } })).toMatchObject({ ok: true, value: { valid: true } });
    expect(await lom.validate("echo/echo", { output: { result: "x" } })).toMatchObject({
      ok: true,
      value: { valid: true },
    });
    const unknown = await lom.validate("echo/nope", { input: {} });
    expect(unknown.ok ? null : unknown.status).toBe(404);
  });

  it("health: ready with the session id", async () => {
    expect(await lom.health()).toEqual({
      ok: true,
      status: 200,
      value: { ready: true, session: api.registry.session().id },
    });
  });

  it("MRS-S10 refresh: a new session", async () => {
    const before = api.registry.session().id;
    const answer = await lom.refresh();
    expect(answer.ok && answer.value.id).not.toBe(before);
    expect(answer.ok && answer.value.id).toBe(api.registry.session().id);
  });

  it("a LOM that is not there: ok false, status 0, an error that names the URL", async () => {
    const gone = await startApi();
    await gone.close();
    const client = mrsClient({ url: gone.url, timeoutMs: 500 });
    const answer = await client.session();
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.status).toBe(0);
      expect(answer.errors[0]?.code).toBe("STORE_UNAVAILABLE");
      expect(answer.errors[0]?.message).toContain(gone.url);
    }
  });

  it("a URL that is not a LOM (HTML answers): ok false, INVALID_JSON naming the status", async () => {
    const { servePayload } = await import("./serve-payload.js");
    const served = await servePayload("<html></html>", { path: "/v1/session" });
    try {
      const client = mrsClient({ url: served.url.replace("/v1/session", "") });
      const answer = await client.session();
      expect(answer.ok ? null : answer.errors[0]?.code).toBe("INVALID_JSON");
    } finally {
      await served.close();
    }
  });
});
