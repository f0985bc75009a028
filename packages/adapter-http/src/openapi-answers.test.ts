import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { samplePayload } from "@rune/mrs-testkit";
import Schema from "typebox/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL, call, ECHO_ONLY, startApi, type TestApi } from "./test-support.js";

/**
 * Every answer is documented: each operation of `/openapi.json` is sent what clients get wrong
 * (no token, a wrong one, one granted another name, unknown and malformed names, bad queries,
 * bodies that are not JSON, not JSON at all, too large), and every status it answers must be one
 * its document lists, with a body its documented schema accepts. A route that can answer a status
 * its document does not say fails here, whichever file adds it.
 */

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
}

/** One request on a connection of its own; a stream (`/v1/events`) is closed once its headers arrive. */
function send(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Node sends a DELETE's body without a length unless told it: the server would read it as the next request.
    const length = init.body === undefined ? {} : { "content-length": String(Buffer.byteLength(init.body)) };
    const headers = { ...length, ...init.headers };
    const req = httpRequest(url, { method: init.method, headers, agent: false }, (res) => {
      const type = String(res.headers["content-type"] ?? "");
      if (type.startsWith("text/event-stream")) {
        res.destroy();
        return resolve({ status: res.statusCode ?? 0, type, text: "" });
      }
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/**
 * What is wrong with an answer of `operation`, or `null`: its status is documented, its JSON body
 * matches. A route's own answers must be listed by their status; `ranges` lets a `4XX` cover
 * one (for what the server refuses before any route, the same for all).
 */
function fault(label: string, operation: Operation, answer: Answer, ranges = false): string | null {
  const status = String(answer.status);
  const keys = ranges ? [status, `${status[0]}XX`] : [status];
  const key = keys.find((k) => Object.hasOwn(operation.responses, k));
  if (key === undefined) return `${label} answered ${status}, not documented: ${answer.text.slice(0, 200)}`;
  const schema = operation.responses[key]?.content?.["application/json"]?.schema;
  if (schema === undefined || !answer.type.startsWith("application/json")) return null;
  const [ok, errors] = Schema.Errors(schema as Parameters<typeof Schema.Errors>[0], JSON.parse(answer.text));
  if (ok) return null;
  const why = errors.map((e) => `${e.instancePath} ${e.message}`).join("; ");
  return `${label} answered ${status}, not as its ${key} says (${why}): ${answer.text.slice(0, 200)}`;
}

/** The probes of one operation: `[label, url, init]`. */
function probes(base: string, method: string, path: string, operation: Operation) {
  const fill = (value: string) => path.replace(/\{[^}]+\}/g, value);
  const hasParams = path.includes("{");
  const query = (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
  const headers = (operation.parameters ?? []).filter((p) => p.in === "header").map((p) => p.name);
  const withBody = method !== "get";
  const json = (token: string | null, body = "{}") => ({
    method: method.toUpperCase(),
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(withBody ? { "content-type": "application/json" } : {}),
    },
    ...(withBody ? { body } : {}),
  });
  const out: [string, string, ReturnType<typeof json>][] = [];
  for (const [who, token] of [
    ["no token", null],
    ["a wrong token", `${ALL}-wrong`],
    ["a token granted echo only", ECHO_ONLY],
    ["a token granted every name", ALL],
  ] as const) {
    out.push([`with ${who}`, `${base}${fill("echo")}`, json(token)]);
    if (hasParams) out.push([`with ${who}, on names not held`, `${base}${fill("ghost")}`, json(token)]);
  }
  if (hasParams) out.push(["with a malformed percent-encoding", `${base}${fill("%E0%A4%A")}`, json(ALL)]);
  for (const name of query) {
    for (const value of ["-1", "x", "1.5"])
      out.push([`with ?${name}=${value}`, `${base}${fill("echo")}?${name}=${value}`, json(ALL)]);
  }
  for (const name of headers) {
    const init = json(ALL);
    out.push([
      `with ${name}: nope`,
      `${base}${fill("echo")}`,
      { ...init, headers: { ...init.headers, [name]: "nope" } },
    ]);
  }
  if (withBody) {
    const url = `${base}${fill("echo")}`;
    out.push(["with a body that is not JSON", url, json(ALL, '{"open": ')]);
    out.push([
      "with a body of another media type",
      url,
      { ...json(ALL, "hello"), headers: { authorization: `Bearer ${ALL}`, "content-type": "text/plain" } },
    ]);
    // Announced only: a body over every route's limit is refused on its Content-Length, unread.
    const large = {
      method: method.toUpperCase(),
      headers: { ...json(ALL).headers, "content-length": String(64 * 1024 * 1024 + 1) },
    };
    out.push(["with a body of more than 64 MiB", url, large]);
  }
  return out;
}

/** Registers `echo` (leased, so heartbeats renew it) unless it is held. */
async function ensureEcho(api: TestApi): Promise<void> {
  if (api.registry.module("echo") !== undefined) return;
  const r = await call(`${api.url}/v1/registrations?lease=60`, { token: ALL, body: samplePayload("echo") });
  if (r.status !== 201) throw new Error(`registering echo: ${r.status} ${r.text}`);
}

/** Every probe of every operation of the document `api` serves: the faults found. */
async function probeAll(
  api: TestApi,
  options: { ensure: boolean },
): Promise<{ faults: string[]; statuses: Set<string> }> {
  const document = (await call(`${api.url}/openapi.json`)).body as Document;
  const faults: string[] = [];
  const statuses = new Set<string>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      for (const [label, url, init] of probes(api.url, method, path, operation)) {
        if (options.ensure) await ensureEcho(api);
        const answer = await send(url, init);
        statuses.add(`${method.toUpperCase()} ${path} ${answer.status}`);
        const found = fault(`${method.toUpperCase()} ${path} ${label}`, operation, answer);
        if (found !== null) faults.push(found);
      }
    }
  }
  return { faults, statuses };
}

describe("every status an operation answers is in /openapi.json, with its body", () => {
  it.each(["open", "token"] as const)("read: %s, a started registry", async (read) => {
    const api = await startApi({ read });
    try {
      const { faults, statuses } = await probeAll(api, { ensure: true });
      expect(faults).toEqual([]);
      // The probes reached the refusals they are for.
      for (const seen of [
        "POST /v1/registrations 401",
        "DELETE /v1/modules/{name} 403",
        "POST /v1/registrations 415",
        "POST /v1/registrations 413",
        "POST /v1/registrations 422",
        "GET /v1/modules/{name} 404",
        "GET /v1/modules/{name} 400",
        "GET /v1/decisions 400",
        "POST /v1/store/commit 400",
        "DELETE /v1/modules/{name} 200",
        "GET /v1/events 200",
        `GET /v1/session ${read === "open" ? 200 : 401}`,
      ]) {
        expect(statuses, seen).toContain(seen);
      }
    } finally {
      await api.close();
    }
  });

  it("a host still starting: reads and writes answer 503 as documented", async () => {
    const api = await startApi({ start: false, startup: () => "opening the store" });
    try {
      const { faults, statuses } = await probeAll(api, { ensure: false });
      expect(faults).toEqual([]);
      for (const seen of ["GET /healthz 503", "GET /v1/modules 503", "POST /v1/registrations 503"]) {
        expect(statuses, seen).toContain(seen);
      }
    } finally {
      await api.close();
    }
  });

  describe("what every operation may answer", () => {
    let api: TestApi;
    let document: Document;
    beforeAll(async () => {
      api = await startApi();
      document = (await call(`${api.url}/openapi.json`)).body as Document;
    });
    afterAll(() => api.close());

    it("MRS-H2 a fault of the LOM: 500 with the request id, as documented", async () => {
      api.registry.modules = () => {
        throw new TypeError("a bug");
      };
      const operation = document.paths["/v1/modules"]?.get as Operation;
      const answer = await send(`${api.url}/v1/modules`, { method: "GET" });
      expect(answer.status).toBe(500);
      expect(fault("GET /v1/modules", operation, answer)).toBeNull();
      expect(JSON.parse(answer.text)).toMatchObject({
        errors: [{ code: "INTERNAL_ERROR" }],
        request_id: expect.any(String),
      });
    });

    it.each([
      [
        "headers larger than Node takes",
        431,
        `GET /v1/session HTTP/1.1\r\nHost: x\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`,
      ],
      ["a request that is not HTTP", 400, "GET /v1/session NOT-HTTP\r\n\r\n"],
    ] as const)(
      "a request refused before routing (%s) answers %i in the MRS error format, as the 4XX documented",
      async (_label, status, raw) => {
        const { port } = new URL(api.url);
        const socket = connect(Number(port), "127.0.0.1");
        socket.end(raw);
        const chunks: Buffer[] = [];
        for await (const chunk of socket) chunks.push(chunk as Buffer);
        const text = Buffer.concat(chunks).toString("utf8");
        const [head = "", body = ""] = text.split("\r\n\r\n");
        expect(head.split("\r\n")[0]).toBe(
          `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}`,
        );
        expect(JSON.parse(body)).toEqual({
          errors: [expect.objectContaining({ code: "INVALID_REQUEST", rule: "I1", pointer: "" })],
        });
        for (const [path, methods] of Object.entries(document.paths)) {
          for (const [method, operation] of Object.entries(methods)) {
            const answer = { status, type: "application/json", text: body };
            expect(fault(`${method.toUpperCase()} ${path}`, operation, answer, true)).toBeNull();
          }
        }
      },
    );
  });
});
