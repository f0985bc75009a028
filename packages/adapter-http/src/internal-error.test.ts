import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApi, type TestApi } from "./test-support.js";

/** A pino destination that keeps every log line, parsed. */
function logLines() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe("MRS-H2 a fault of the LOM itself", () => {
  const log = logLines();
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({ logger: { level: "info", stream: log.stream } });
    // A bug in the registry, as the route meets it: an error that is no MRS failure.
    api.registry.modules = () => {
      throw new TypeError("cannot read catalog row 7 of /var/lib/lom/secret.sql");
    };
  });
  afterAll(() => api.close());

  it("answers 500 INTERNAL_ERROR with a request id and nothing of its insides", async () => {
    const r = await call(`${api.url}/v1/modules`);
    expect(r.status).toBe(500);
    expect(r.body.errors).toEqual([expect.objectContaining({ code: "INTERNAL_ERROR", rule: "H2", pointer: "" })]);
    expect(typeof r.body.request_id).toBe("string");
    expect(r.body.errors[0].message).toContain(r.body.request_id);
    expect(r.text).not.toMatch(/secret|row 7|\/var\/lib|TypeError|at .*\.js/);
  });

  it("logs the details under the same request id", async () => {
    const r = await call(`${api.url}/v1/modules`);
    const logged = log.lines.find((line) => line.request_id === r.body.request_id && line.msg === "request failed");
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain("cannot read catalog row 7");
  });
});
