import { samplePayload } from "@rune/mrs-testkit";
import { afterEach, describe, expect, it } from "vitest";
import { ALL, call, startApi, type TestApi } from "./test-support.js";

describe("the startup option: a host that listens before its registry has started", () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it("MRS-S11 while it names a wait: /healthz 503 says it, every write 503 STORE_UNAVAILABLE, nothing reaches the registry", async () => {
    let waiting: string | null = "discovering from 2 sources: waiting for url:http://modules.example/x";
    api = await startApi({ start: false, startup: () => waiting });

    const health = await call(`${api.url}/healthz`);
    expect(health.status).toBe(503);
    expect(health.body.errors[0]).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(health.body.errors[0].message).toBe(`not ready: ${waiting}`);

    const writes: { method: string; path: string; body?: unknown }[] = [
      { method: "POST", path: "/v1/registrations", body: samplePayload("early") },
      { method: "POST", path: "/v1/modules/early/heartbeat", body: {} },
      { method: "DELETE", path: "/v1/modules/early" },
      { method: "POST", path: "/v1/session/refresh", body: {} },
      { method: "GET", path: "/v1/store" },
    ];
    for (const write of writes) {
      const answer = await call(`${api.url}${write.path}`, { method: write.method, token: ALL, body: write.body });
      expect(answer.status, `${write.method} ${write.path}`).toBe(503);
      expect(answer.body.errors[0], `${write.method} ${write.path}`).toMatchObject({ code: "STORE_UNAVAILABLE" });
      expect(answer.body.errors[0].message).toContain("discovering from 2 sources");
    }
    // Authentication still comes first.
    expect((await call(`${api.url}/v1/registrations`, { body: samplePayload("early") })).status).toBe(401);
    // No session was opened behind the start's back.
    expect(api.registry.ready).toBe(false);
    expect(api.registry.revision).toBe(0);

    waiting = "opening the store";
    expect((await call(`${api.url}/healthz`)).body.errors[0].message).toBe("not ready: opening the store");

    await api.registry.start();
    waiting = null;
    expect((await call(`${api.url}/healthz`)).status).toBe(200);
    expect((await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("on-time") })).status).toBe(
      201,
    );
  });
});
