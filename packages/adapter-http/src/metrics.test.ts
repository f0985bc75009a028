// GET /metrics on a real server on 127.0.0.1: the text parses as the Prometheus text format, and
// each series moves with what it counts. Expiry waits on the registry's own event, with the
// lease clock moved by hand (as in liveness.test.ts).
import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry, type RegistryEvent } from "@rune/mrs-core";
import { faultyStore, samplePayload } from "@rune/mrs-testkit";
import { parsePrometheus } from "@rune/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mrsMetrics } from "./metrics.js";
import { ALL, call, startApi, type TestApi } from "./test-support.js";

let offset = 0;
let api: TestApi;
const metrics = mrsMetrics();
let commitFails = false;

beforeAll(async () => {
  const inner = memoryStore();
  // Commits fail while `commitFails` is set (a store that throws), timed like any other.
  const store = metrics.timeStore(
    faultyStore(inner, { failCommit: () => commitFails, error: () => new Error("disk on fire") }),
  );
  const registry = createRegistry({
    store,
    monotonic: () => performance.now() + offset,
    leases: { min: 10, max: 3600, grace: 600 },
  });
  api = await startApi({ registry, store, metrics });
});
afterAll(() => api.close());

const scrape = async (token?: string) => {
  const answer = await call(`${api.url}/metrics`, token === undefined ? {} : { token });
  expect(answer.status, answer.text).toBe(200);
  expect(answer.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheus(answer.text);
};
const register = (name: string, version = "1.0.0", query = "") =>
  call(`${api.url}/v1/registrations${query}`, { token: ALL, body: samplePayload(name, version) });

describe("GET /metrics", () => {
  it("parses as the Prometheus text format, with every documented series typed", async () => {
    const { types } = await scrape();
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith("mrs_")))).toEqual({
      mrs_registrations_total: "counter",
      mrs_http_request_duration_seconds: "histogram",
      mrs_store_commit_duration_seconds: "histogram",
      mrs_modules: "gauge",
      mrs_event_stream_clients: "gauge",
      mrs_store_revision: "gauge",
      mrs_ready: "gauge",
    });
    // Not asked for: the process's own series belong to the host.
    expect([...types.keys()].filter((name) => name.startsWith("process_"))).toEqual([]);
  });

  it("MRS-S2 MRS-S3 MRS-S4 MRS-S11 registration counters move with registrations, by outcome and code", async () => {
    const before = await scrape();
    const count = (s: typeof before, outcome: string, code = "") =>
      s.value("mrs_registrations_total", { via: "http", outcome, code });

    expect((await register("metered")).status).toBe(201);
    expect((await register("metered", "2.0.0")).status).toBe(200);
    expect((await register("metered", "1.5.0")).status).toBe(409);
    expect((await register("metered", "2.0.0")).status).toBe(409);
    expect((await call(`${api.url}/v1/registrations`, { token: ALL, body: "{ not json" })).status).toBe(400);
    commitFails = true;
    try {
      expect((await register("metered-lost")).status).toBe(503);
    } finally {
      commitFails = false;
    }

    const after = await scrape();
    expect(count(after, "accepted") - count(before, "accepted")).toBe(1);
    expect(count(after, "upgraded") - count(before, "upgraded")).toBe(1);
    expect(count(after, "rejected", "VERSION_SUPERSEDED") - count(before, "rejected", "VERSION_SUPERSEDED")).toBe(1);
    expect(
      count(after, "rejected", "DUPLICATE_REGISTRATION") - count(before, "rejected", "DUPLICATE_REGISTRATION"),
    ).toBe(1);
    expect(count(after, "rejected", "INVALID_JSON") - count(before, "rejected", "INVALID_JSON")).toBe(1);
    expect(count(after, "rejected", "STORE_UNAVAILABLE") - count(before, "rejected", "STORE_UNAVAILABLE")).toBe(1);

    // Every request answered, by its route's pattern and status, with a duration.
    const requests = (s: typeof before, status: string) =>
      s.value("mrs_http_request_duration_seconds_count", { method: "POST", route: "/v1/registrations", status });
    expect(requests(after, "201") - requests(before, "201")).toBe(1);
    expect(requests(after, "409") - requests(before, "409")).toBe(2);
    expect(requests(after, "503") - requests(before, "503")).toBe(1);
    expect(
      after.value("mrs_http_request_duration_seconds_bucket", {
        method: "POST",
        route: "/v1/registrations",
        status: "201",
        le: "+Inf",
      }),
    ).toBe(
      after.value("mrs_http_request_duration_seconds_count", {
        method: "POST",
        route: "/v1/registrations",
        status: "201",
      }),
    );

    // The store's commits: timed through the wrapper, the failed one under its own outcome.
    const commits = (s: typeof before, outcome: string) =>
      s.value("mrs_store_commit_duration_seconds_count", { outcome });
    expect(commits(after, "committed") - commits(before, "committed")).toBeGreaterThanOrEqual(2);
    expect(commits(after, "failed") - commits(before, "failed")).toBe(1);
    expect(after.value("mrs_store_commit_duration_seconds_sum")).toBeGreaterThan(0);
    expect(after.value("mrs_store_revision")).toBe(api.registry.revision);
    // The store failed on its last call: not ready, until a call succeeds again.
    expect(after.value("mrs_ready")).toBe(0);
    expect((await register("metered-back")).status).toBe(201);
    expect((await scrape()).value("mrs_ready")).toBe(1);
  });

  it("MRS-S10 a refresh counts its discovery by outcome", async () => {
    const before = await scrape();
    // No sources here: a refresh decides nothing, and counts nothing.
    expect((await call(`${api.url}/v1/session/refresh`, { method: "POST", token: ALL, body: {} })).status).toBe(200);
    const after = await scrape();
    expect(after.value("mrs_registrations_total", { via: "discovery" })).toBe(
      before.value("mrs_registrations_total", { via: "discovery" }),
    );
    expect(after.value("mrs_modules", { state: "live" })).toBe(0);
  });

  it("MRS-L3 modules by state: live, then expired once its lease ran out", async () => {
    expect((await register("fading-metric", "1.0.0", "?lease=10")).status).toBe(201);
    expect((await register("steady-metric")).status).toBe(201);
    let s = await scrape();
    expect(s.value("mrs_modules", { state: "live" })).toBe(2);
    expect(s.value("mrs_modules", { state: "expired" })).toBe(0);

    const expired = new Promise<void>((resolve) => {
      const stop = api.registry.subscribe((event: RegistryEvent) => {
        if (event.type === "module" && event.module === "fading-metric" && event.action === "expired") {
          stop();
          resolve();
        }
      });
    });
    // Less than the shortest lease at once (more would count as the LOM itself having been away, L6).
    offset += 8_500;
    await expired;
    s = await scrape();
    expect(s.value("mrs_modules", { state: "live" })).toBe(1);
    expect(s.value("mrs_modules", { state: "expired" })).toBe(1);
  });

  it("event stream clients: a client following GET /v1/events counts while it follows", async () => {
    const controller = new AbortController();
    const response = await fetch(`${api.url}/v1/events`, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    // The stream's first bytes: the server holds it from here on.
    await reader.read();
    try {
      expect((await scrape()).value("mrs_event_stream_clients")).toBe(1);
    } finally {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
  });
});

describe("the test's reader of the Prometheus text format", () => {
  it("refuses what is not the format, so a malformed /metrics fails these tests", () => {
    expect(() => parsePrometheus("mrs_untyped 1\n")).toThrow(/before its family's # TYPE/);
    expect(() => parsePrometheus("# TYPE x counter\nx{a=1} 1\n")).toThrow(/malformed labels/);
    expect(() => parsePrometheus("# TYPE x counter\nx one\n")).toThrow(/not a sample/);
    expect(() => parsePrometheus("# TYPE x speedometer\n")).toThrow(/unknown type/);
    expect(parsePrometheus('# TYPE x counter\nx_total{a="q\\"uote"} 2\n').value("x_total", { a: 'q"uote' })).toBe(2);
  });
});

describe("GET /metrics with read: token", () => {
  it("MRS-A1 is closed like the other reads: 401 without a token, 200 with one", async () => {
    const closed = await startApi({ read: "token" });
    try {
      expect((await call(`${closed.url}/metrics`)).status).toBe(401);
      const answer = await call(`${closed.url}/metrics`, { token: ALL });
      expect(answer.status).toBe(200);
      expect(parsePrometheus(answer.text).types.get("mrs_registrations_total")).toBe("counter");
    } finally {
      await closed.close();
    }
  });

  it("each server has its own registry of series: counts never mix", async () => {
    const other = await startApi();
    try {
      expect(
        (await call(`${other.url}/v1/registrations`, { token: ALL, body: samplePayload("elsewhere") })).status,
      ).toBe(201);
      const mine = parsePrometheus((await call(`${api.url}/metrics`)).text);
      const theirs = parsePrometheus((await call(`${other.url}/metrics`)).text);
      expect(theirs.value("mrs_registrations_total", { outcome: "accepted" })).toBe(1);
      expect(mine.value("mrs_registrations_total", { outcome: "accepted" })).toBeGreaterThan(1);
    } finally {
      await other.close();
    }
  });
});
