import { Writable } from "node:stream";
import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry } from "@rune/mrs-core";
import { samplePayload } from "@rune/mrs-testkit";
import { Validator } from "@seriousme/openapi-schema-validator";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { mrsHttpApi } from "./plugin.js";
import { ALL, call, startApi } from "./test-support.js";

/** Reads a server-sent-event stream, line by line, until `until` says stop. */
async function readEvents(
  response: Response,
  until: (lines: string[]) => boolean,
  timeoutMs = 5_000,
): Promise<{ lines: string[]; ended: boolean }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const lines: string[] = [];
  let buffered = "";
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const next = await Promise.race([
      reader.read(),
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), deadline - Date.now())),
    ]);
    if (next === "timeout") break;
    if (next.done) return { lines, ended: true };
    buffered += decoder.decode(next.value, { stream: true });
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    if (until(lines)) {
      await reader.cancel();
      return { lines, ended: false };
    }
  }
  await reader.cancel().catch(() => undefined);
  return { lines, ended: false };
}

describe("GET /v1/events", () => {
  it("MRS-S9 MRS-R1 MRS-R2 delivers every change made after subscribing, each with id: its revision and one data: line of JSON", async () => {
    const api = await startApi();
    try {
      const response = await fetch(`${api.url}/v1/events`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reading = readEvents(response, (lines) => lines.filter((l) => l.startsWith("data:")).length >= 4);
      await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("evented") });
      const afterFirst = api.registry.revision;
      await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("evented-too") });
      const { lines } = await reading;
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
      // One event per change (R2): each registration is its decision, then its module put.
      expect(data).toMatchObject([
        { type: "decision", revision: afterFirst - 1, decision: { outcome: "accepted", module: "evented" } },
        { type: "module", revision: afterFirst, module: "evented", action: "put" },
        { type: "decision", revision: afterFirst + 1, decision: { outcome: "accepted", module: "evented-too" } },
        { type: "module", revision: afterFirst + 2, module: "evented-too", action: "put" },
      ]);
      // Each data: line comes right after the id: line of its revision.
      for (const event of data) {
        expect(lines[lines.indexOf(`data: ${JSON.stringify(event)}`) - 1]).toBe(`id: ${event.revision}`);
      }
    } finally {
      await api.close();
    }
  });

  it("MRS-R2 sends keep-alive comments while idle", async () => {
    const api = await startApi({ heartbeatMs: 30 });
    try {
      const response = await fetch(`${api.url}/v1/events`);
      const { lines } = await readEvents(response, (ls) => ls.filter((l) => l === ": keep-alive").length >= 2);
      expect(lines.filter((l) => l === ": keep-alive").length).toBeGreaterThanOrEqual(2);
    } finally {
      await api.close();
    }
  });

  it("a session change (refresh) is an event too", async () => {
    const api = await startApi();
    try {
      const response = await fetch(`${api.url}/v1/events`);
      const reading = readEvents(response, (lines) => lines.some((l) => l.includes('"type":"session"')));
      const refreshed = await call(`${api.url}/v1/session/refresh`, { method: "POST", token: ALL });
      const { lines } = await reading;
      const event = lines.find((l) => l.includes('"type":"session"')) ?? "";
      expect(JSON.parse(event.slice(6)).session.id).toBe(refreshed.body.id);
    } finally {
      await api.close();
    }
  });

  it("closing the server ends open streams cleanly and promptly", async () => {
    const api = await startApi();
    const response = await fetch(`${api.url}/v1/events`);
    const reading = readEvents(response, () => false, 5_000);
    await api.close();
    // `ended`: the server ended the stream; the reader's own 5 s limit would say false.
    const { ended } = await reading;
    expect(ended).toBe(true);
  });
});

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document, generated from the route schemas", async () => {
    const api = await startApi();
    try {
      const r = await call(`${api.url}/openapi.json`);
      expect(r.status).toBe(200);
      expect(r.body.openapi).toMatch(/^3\.1\./);
      const validator = new Validator();
      const result = await validator.validate(r.body);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(validator.version).toBe("3.1");
      const paths = r.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
      expect(Object.keys(paths).sort()).toEqual(
        [
          "/healthz",
          "/metrics",
          "/v1/actions",
          "/v1/capabilities",
          "/v1/capabilities/{action}",
          "/v1/capabilities/{action}/validate",
          "/v1/capabilities/{module}/{action}",
          "/v1/capabilities/{module}/{action}/validate",
          "/v1/changes",
          "/v1/decisions",
          "/v1/events",
          "/v1/modules",
          "/v1/modules/{name}",
          "/v1/modules/{name}/heartbeat",
          "/v1/registrations",
          "/v1/session",
          "/v1/session/refresh",
          "/v1/store",
          "/v1/store/changes",
          "/v1/store/commit",
        ].sort(),
      );
      const register = paths["/v1/registrations"]?.post;
      expect(Object.keys(register?.responses ?? {}).sort()).toEqual(
        ["200", "201", "400", "401", "403", "409", "413", "415", "422", "4XX", "500", "503"].sort(),
      );
      // The payload's schema is the request body, closed but for x- members (E2), as in @rune/mrs-schema.
      const body = (
        register as unknown as { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } }
      ).requestBody.content["application/json"]?.schema;
      expect(body?.required).toEqual(["registration_metadata", "capabilities"]);
      expect(body?.additionalProperties).toBe(false);
      expect(Object.keys(body?.patternProperties as object)).toHaveLength(1);
      // The store's commit documents the changes it takes, each payload as closed as on registering.
      const commitDoc = paths["/v1/store/commit"]?.post as unknown as
        | { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } }
        | undefined;
      const commit = commitDoc?.requestBody.content["application/json"]?.schema as {
        required: string[];
        properties: { changes: { items: { anyOf: { properties: { type: { const: string } } }[] } } };
      };
      expect(commit.required.sort()).toEqual(["changes", "expected"]);
      const types = commit.properties.changes.items.anyOf.map((variant) => variant.properties.type.const);
      expect(types).toEqual(["session.opened", "module.put", "module.removed", "module.state", "decision.recorded"]);
      expect(JSON.stringify(commit)).toContain('"patternProperties"');
      expect(Object.keys(paths["/v1/store/commit"]?.post?.responses ?? {}).sort()).toEqual(
        ["200", "400", "401", "403", "404", "409", "413", "415", "422", "4XX", "500", "503"].sort(),
      );
      expect(Object.keys(paths["/v1/store/changes"]?.get?.responses ?? {})).toContain("410");
      // R2-R4: the change feed, its resume header and the conditional catalog reads are documented.
      type Operation = {
        parameters?: { in: string; name: string }[];
        responses: Record<string, { headers?: Record<string, unknown> }>;
      };
      const get = (path: string) => (paths[path] as unknown as Record<string, Operation>).get as Operation;
      expect(Object.keys(get("/v1/changes").responses).sort()).toEqual(["200", "400", "410", "4XX", "500", "503"]);
      expect(get("/v1/changes").parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(["query:since", "query:limit"]);
      expect(get("/v1/events").parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
        "query:since",
        "header:last-event-id",
      ]);
      for (const path of [
        "/v1/modules",
        "/v1/modules/{name}",
        "/v1/capabilities",
        "/v1/capabilities/{action}",
        "/v1/capabilities/{module}/{action}",
        "/v1/actions",
      ]) {
        const operation = get(path);
        expect(
          operation.parameters?.map((p) => `${p.in}:${p.name}`),
          path,
        ).toContain("header:if-none-match");
        expect(Object.keys(operation.responses), path).toContain("304");
        expect(Object.keys(operation.responses["200"]?.headers ?? {}), path).toEqual(["ETag"]);
      }
    } finally {
      await api.close();
    }
  });
});

describe("createMrsServer", () => {
  it("MRS-A3 never logs a token, whether accepted or refused", async () => {
    let logged = "";
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    const api = await startApi({ logger: { level: "trace", stream } });
    try {
      await call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload("logged") });
      await call(`${api.url}/v1/registrations`, { token: `${ALL}-wrong`, body: samplePayload("logged") });
      await call(`${api.url}/v1/modules`, { token: ALL });
      expect(logged.length).toBeGreaterThan(0);
      expect(logged).not.toContain(ALL);
    } finally {
      await api.close();
    }
  });
});

describe("the request log", () => {
  it("leaves out probes (/healthz) at the info level, and keeps the other requests", async () => {
    const lines: { msg?: string; req?: { url?: string } }[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const api = await startApi({ logger: { level: "info", stream } });
    expect((await call(`${api.url}/healthz`)).status).toBe(200);
    expect((await call(`${api.url}/v1/modules`)).status).toBe(200);
    // Closing waits for the answers in flight, and so for their log lines.
    await api.close();
    const incoming = lines.filter((line) => line.msg === "incoming request").map((line) => line.req?.url);
    expect(incoming).toEqual(["/v1/modules"]);
  });
});

describe("mrsHttpApi on a host's own fastify", () => {
  it("mounts beside the host's routes without changing the host's body parsing or errors", async () => {
    const registry = createRegistry({ store: memoryStore() });
    await registry.start();
    const host = Fastify();
    host.post("/host/echo", async (request) => ({ got: request.body }));
    await host.register(mrsHttpApi, { registry, tokens: [{ token: ALL, modules: ["*"] }] });
    await host.listen({ host: "127.0.0.1", port: 0 });
    const { port } = host.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    try {
      const own = await call(`${base}/host/echo`, { body: { a: 1 } });
      expect(own.body).toEqual({ got: { a: 1 } });
      const plain = await call(`${base}/host/echo`, { body: "hello", contentType: "text/plain" });
      expect(plain.body).toEqual({ got: "hello" });
      const registered = await call(`${base}/v1/registrations`, { token: ALL, body: samplePayload("hosted") });
      expect(registered.status).toBe(201);
      expect((await call(`${base}/v1/modules/hosted`)).body.module_name).toBe("hosted");
      // Without a store option, the store routes do not exist.
      expect((await call(`${base}/v1/store`, { token: ALL })).status).toBe(404);
    } finally {
      await host.close();
      await registry.close();
    }
  });
});

describe("errors before routing", () => {
  it("MRS-E1 a malformed percent-encoding answers 400 in the MRS error format", async () => {
    const api = await startApi();
    try {
      const response = await fetch(`${api.url}/v1/modules/%E0%A4%A`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ errors: [{ code: "INVALID_REQUEST", rule: "I1" }] });
    } finally {
      await api.close();
    }
  });
});
