// GET /metrics through the real `lom start`: the answer parses as the Prometheus text format, the
// discovery and every registration over HTTP move the registration counters, the file store's
// commits are timed, and the process's own series are there for operators.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parsePrometheus, type Scrape } from "@rune/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, outputMatching, spawnJsonLom, tempDir, writeConfig } from "./harness.js";
import { ALL, call, validPayload } from "./hostile/http.js";

describe("lom start serves GET /metrics", () => {
  const dir = tempDir("lom-metrics-");
  let child: ChildProcess;
  let url = "";

  const scrape = async (): Promise<Scrape> => {
    const answer = await call(`${url}/metrics`);
    expect(answer.status).toBe(200);
    return parsePrometheus(answer.text);
  };
  const registrations = (s: Scrape, labels: Record<string, string>) => s.value("mrs_registrations_total", labels);

  beforeAll(async () => {
    mkdirSync(join(dir, "modules"));
    writeFileSync(join(dir, "modules/found.json"), validPayload("found"));
    writeFileSync(join(dir, "modules/broken.json"), "{ not json");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    writeConfig(dir, {
      listen: `127.0.0.1:${port}`,
      store: "file:state/catalog.json",
      sources: [{ folder: "modules" }],
      tokens: [{ token: ALL, modules: ["*"] }],
    });
    const started = spawnJsonLom(dir);
    child = started.child;
    await outputMatching(child, /"msg":"ready"/, started.seen);
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("MRS-S9 parses as the Prometheus text format, with the discovery counted by outcome and code", async () => {
    const s = await scrape();
    for (const [name, type] of [
      ["mrs_registrations_total", "counter"],
      ["mrs_modules", "gauge"],
      ["mrs_http_request_duration_seconds", "histogram"],
      ["mrs_store_commit_duration_seconds", "histogram"],
      ["mrs_event_stream_clients", "gauge"],
      // The process's own series: lom start asks for them.
      ["process_resident_memory_bytes", "gauge"],
      ["nodejs_eventloop_lag_seconds", "gauge"],
    ]) {
      expect(s.types.get(name as string), name).toBe(type);
    }
    expect(registrations(s, { via: "discovery", outcome: "accepted" })).toBe(1);
    expect(registrations(s, { via: "discovery", outcome: "rejected", code: "INVALID_JSON" })).toBe(1);
    expect(s.value("mrs_modules", { state: "live" })).toBe(1);
    // Discovery opened the session and stored its decisions: timed commits of the file store.
    expect(s.value("mrs_store_commit_duration_seconds_count", { outcome: "committed" })).toBeGreaterThanOrEqual(1);
  });

  it("MRS-S2 MRS-S4 registration counters move with registrations over HTTP", async () => {
    const before = await scrape();
    expect((await call(`${url}/v1/registrations`, { token: ALL, body: validPayload("posted", "2.0.0") })).status).toBe(
      201,
    );
    expect((await call(`${url}/v1/registrations`, { token: ALL, body: validPayload("posted", "1.0.0") })).status).toBe(
      409,
    );
    const after = await scrape();
    const moved = (labels: Record<string, string>) => registrations(after, labels) - registrations(before, labels);
    expect(moved({ via: "http", outcome: "accepted" })).toBe(1);
    expect(moved({ via: "http", outcome: "rejected", code: "VERSION_SUPERSEDED" })).toBe(1);
    expect(after.value("mrs_modules", { state: "live" })).toBe(2);
    expect(
      after.value("mrs_http_request_duration_seconds_count", { route: "/v1/registrations", status: "201" }) -
        before.value("mrs_http_request_duration_seconds_count", { route: "/v1/registrations", status: "201" }),
    ).toBe(1);
    expect(
      after.value("mrs_store_commit_duration_seconds_count") - before.value("mrs_store_commit_duration_seconds_count"),
    ).toBe(2);
  });
});
