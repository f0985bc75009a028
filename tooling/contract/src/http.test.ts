// A running `lom start` over HTTP and the CLI's --url door (docs/INTERFACES.md, "HTTP API").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, freePort, http, lom, type Running, scratch, start } from "./lom.js";
import { altered, diskJanitor, dnsCache } from "./payloads.js";

const TOKEN = "contract-operator-token-42";
const NARROW = "contract-dns-only-token-42";

describe("lom start, driven over HTTP", () => {
  const dir = scratch();
  let lomd: Running;
  const register = (payload: unknown, token: string | null = TOKEN) =>
    http(`${lomd.url}/v1/registrations`, { json: payload, ...(token === null ? {} : { token }) });

  beforeAll(async () => {
    lomd = await start(dir, {
      listen: `127.0.0.1:${await freePort()}`,
      store: "memory",
      sources: [],
      read: "open",
      tokens: [
        { token: TOKEN, modules: ["*"] },
        { token: NARROW, modules: ["dns-cache"] },
      ],
    });
  });
  afterAll(async () => {
    await lomd?.stop();
  });

  it("is ready: /healthz 200, /openapi.json is OpenAPI 3.1, / serves the dashboard", async () => {
    expect((await http(`${lomd.url}/healthz`)).status).toBe(200);
    const openapi = await http(`${lomd.url}/openapi.json`);
    expect(String(openapi.body.openapi)).toMatch(/^3\.1/);
    const page = await http(`${lomd.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
  });

  it("MRS-A1 MRS-A2 registering needs a token, and a token limited to other names is refused", async () => {
    const anonymous = await register(dnsCache(), null);
    expect([anonymous.status, codes(anonymous.body)]).toEqual([401, ["UNAUTHORIZED"]]);
    const forbidden = await register(diskJanitor(), NARROW);
    expect([forbidden.status, codes(forbidden.body)]).toEqual([403, ["FORBIDDEN_MODULE"]]);
  });

  it("MRS-S2 MRS-S5 MRS-S3 MRS-S4 accepted, duplicate (identical), upgraded, superseded", async () => {
    const first = await register(dnsCache("2.0.0"));
    expect(first.status).toBe(201);
    expect(JSON.stringify(first.body)).toContain("accepted");
    const again = await register(dnsCache("2.0.0"));
    expect([again.status, codes(again.body)]).toEqual([409, ["DUPLICATE_REGISTRATION"]]);
    expect(again.body.errors[0].identical).toBe(true);
    const sameVersionOtherBody = await register(altered(dnsCache("2.0.0+build.7"), (p) => (p["x-origin"] = "ci")));
    expect(sameVersionOtherBody.status).toBe(409);
    expect(sameVersionOtherBody.body.errors[0].identical).not.toBe(true);
    const upgrade = await register(dnsCache("2.1.0-rc.1", ["flush", "stats"]));
    expect(upgrade.status).toBe(200);
    expect(JSON.stringify(upgrade.body)).toContain("upgraded");
    const older = await register(dnsCache("2.0.5"));
    expect([older.status, codes(older.body)]).toEqual([409, ["VERSION_SUPERSEDED"]]);
  });

  it("MRS-E1 MRS-E3 bad bodies: 422 with every fault, 400 for bytes that are not JSON, 415 for another media type", async () => {
    const invalid = await register(
      altered(dnsCache(), (p) => {
        p.registration_metadata.module_name = "Dns";
        p.registration_metadata.module_version = "2";
      }),
    );
    expect(invalid.status).toBe(422);
    expect(codes(invalid.body).sort()).toEqual(["INVALID_MODULE_NAME", "INVALID_VERSION"]);
    const garbage = await http(`${lomd.url}/v1/registrations`, { body: "{nope", token: TOKEN });
    expect([garbage.status, codes(garbage.body)]).toEqual([400, ["INVALID_JSON"]]);
    const text = await http(`${lomd.url}/v1/registrations`, { body: "hello", type: "text/plain", token: TOKEN });
    expect(text.status).toBe(415);
  });

  it("reads the catalog: one module at the top level, 404 UNKNOWN_MODULE for a name not held", async () => {
    const one = await http(`${lomd.url}/v1/modules/dns-cache`);
    expect(one.body).toMatchObject({ module_name: "dns-cache", module_version: "2.1.0-rc.1" });
    expect(one.body.capabilities.map((c: { action: string }) => c.action)).toEqual(["flush", "stats"]);
    const missing = await http(`${lomd.url}/v1/modules/no-such-module`);
    expect([missing.status, codes(missing.body)]).toEqual([404, ["UNKNOWN_MODULE"]]);
  });

  it("MRS-S8 the same action in two modules: bare name ambiguous (409 with candidates), module/action resolves", async () => {
    expect((await register(diskJanitor())).status).toBe(201);
    const bare = await http(`${lomd.url}/v1/capabilities/flush`);
    expect([bare.status, codes(bare.body)]).toEqual([409, ["AMBIGUOUS_ACTION"]]);
    expect(bare.body.errors[0].candidates).toEqual(expect.arrayContaining(["dns-cache/flush", "disk-janitor/flush"]));
    for (const ref of ["disk-janitor/flush", "disk-janitor%2Fflush"]) {
      const addressed = await http(`${lomd.url}/v1/capabilities/${ref}`);
      expect(addressed.status, ref).toBe(200);
      expect(addressed.body).toHaveProperty("input_schema");
      expect(addressed.body).toHaveProperty("output_schema");
    }
    const actions = await http(`${lomd.url}/v1/actions`);
    const names = (actions.body as { name: string }[]).map((a) => a.name).sort();
    expect(names).toEqual(["disk-janitor/flush", "dns-cache/flush", "stats"]);
  });

  it("MRS-I1 MRS-I2 validates an action's input and output against its schemas, formats included", async () => {
    const validate = (body: unknown) => http(`${lomd.url}/v1/capabilities/stats/validate`, { json: body });
    expect((await validate({ input: { zone: "example.org" } })).body).toEqual({ valid: true });
    const badFormat = await validate({ input: { zone: "not a host name!" } });
    expect(badFormat.body.valid).toBe(false);
    expect(badFormat.body.errors[0]).toMatchObject({ code: "INPUT_INVALID", rule: "I1", pointer: "/zone" });
    const badOutput = await validate({ output: { entries: -1 } });
    expect(badOutput.body.errors[0]).toMatchObject({ code: "OUTPUT_INVALID", pointer: "/entries" });
  });

  it("MRS-S9 decisions say what happened and why; the session counts them", async () => {
    const { body } = await http(`${lomd.url}/v1/decisions?module=dns-cache`);
    const text = JSON.stringify(body);
    for (const word of ["accepted", "upgraded", "DUPLICATE_REGISTRATION", "VERSION_SUPERSEDED"])
      expect(text).toContain(word);
    const session = await http(`${lomd.url}/v1/session`);
    expect(session.body).toMatchObject({ modules: 2, capabilities: 3 });
    expect(typeof session.body.id).toBe("string");
  });

  it("MRS-H1 a route the API does not have: 404 NOT_FOUND in the MRS error format", async () => {
    const answer = await http(`${lomd.url}/v1/nowhere`);
    expect(answer.status).toBe(404);
    expect(answer.body.errors[0]).toMatchObject({ code: "NOT_FOUND", rule: "H1" });
  });

  it("the CLI reads the same catalog with --url, as JSON", () => {
    const modules = lom(["modules", "--url", lomd.url, "--json"], dir);
    expect(modules.code, modules.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(modules.stdout))).toContain("disk-janitor");
    const why = lom(["why", "dns-cache", "--url", lomd.url, "--json"], dir);
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toContain("VERSION_SUPERSEDED");
    const unknown = lom(["describe", "no-such-action", "--url", lomd.url], dir);
    expect(unknown.code).toBe(1);
  });

  it("stops cleanly on SIGTERM: exit 0", async () => {
    expect(await lomd.stop()).toBe(0);
  });
});
