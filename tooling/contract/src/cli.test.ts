// The `lom` command line without a running LOM (docs/INTERFACES.md, "lom").
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lom, scratch } from "./lom.js";
import { altered, dnsCache } from "./payloads.js";

describe("lom validate: a module author's check before shipping", () => {
  const dir = scratch();
  const cases = {
    good: [dnsCache(), null],
    "upper-case-name": [
      altered(dnsCache(), (p) => (p.registration_metadata.module_name = "DNS-Cache")),
      ["INVALID_MODULE_NAME", "E3"],
    ],
    "v-prefixed-version": [
      altered(dnsCache(), (p) => (p.registration_metadata.module_version = "v2.0.0")),
      ["INVALID_VERSION", "E4"],
    ],
    "offset-time": [
      altered(dnsCache(), (p) => (p.registration_metadata.registered_at = "2026-03-01T09:30:00+01:00")),
      ["TIMESTAMP_NOT_UTC", "E5"],
    ],
    "no-capabilities": [altered(dnsCache(), (p) => (p.capabilities = [])), ["INVALID_CAPABILITIES", "E6"]],
    "misspelt-member": [
      altered(dnsCache(), (p) => ((p as Record<string, unknown>).capabilites = [])),
      ["UNKNOWN_FIELD", "E2"],
    ],
    "array-root-schema": [
      altered(dnsCache(), (p) => ((p.capabilities[0] as Record<string, unknown>).output_schema = { type: "array" })),
      ["SCHEMA_ROOT_NOT_OBJECT", "E9"],
    ],
    "remote-ref": [
      altered(
        dnsCache(),
        (p) =>
          ((p.capabilities[0] as Record<string, unknown>).input_schema = {
            type: "object",
            properties: { zone: { $ref: "https://schemas.invalid/zone.json" } },
          }),
      ),
      ["REMOTE_REF_FORBIDDEN", "E10"],
    ],
  } as const;
  for (const [name, [payload]] of Object.entries(cases))
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(payload));
  writeFileSync(join(dir, "not-json.json"), "{ registration_metadata: ");

  it("MRS-E2 MRS-E3 MRS-E4 MRS-E5 MRS-E6 MRS-E9 MRS-E10 --json names each fault with its code, rule and pointer; exit 1", () => {
    const run = lom(["validate", "--json", ...Object.keys(cases).map((name) => join(dir, `${name}.json`))], dir);
    expect(run.code, run.stderr).toBe(1);
    const { results } = JSON.parse(run.stdout) as {
      results: { file: string; valid: boolean; errors: Record<string, string>[] }[];
    };
    expect(results).toHaveLength(Object.keys(cases).length);
    for (const [name, [, expected]] of Object.entries(cases)) {
      const result = results.find((r) => r.file.endsWith(`${name}.json`));
      if (expected === null) {
        expect(result, name).toMatchObject({ valid: true, errors: [] });
        continue;
      }
      const [code, rule] = expected;
      expect(result?.valid, name).toBe(false);
      expect(result?.errors, name).toContainEqual(expect.objectContaining({ code, rule, pointer: expect.any(String) }));
      for (const error of result?.errors ?? []) expect(error.message, name).toMatch(/\S/);
    }
  });

  it("MRS-E3 the error for an upper-case name names the lower-case form", () => {
    const run = lom(["validate", "--json", join(dir, "upper-case-name.json")], dir);
    const [result] = JSON.parse(run.stdout).results;
    expect(JSON.stringify(result.errors)).toContain("dns-cache");
  });

  it("MRS-E1 bytes that are not JSON: INVALID_JSON, exit 1", () => {
    const run = lom(["validate", "--json", join(dir, "not-json.json")], dir);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).results[0].errors[0]).toMatchObject({ code: "INVALID_JSON", rule: "E1" });
  });

  it("a valid file exits 0; a usage error exits 2 and says how to use it", () => {
    expect(lom(["validate", join(dir, "good.json")], dir).code).toBe(0);
    const usage = lom(["validate"], dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/file/);
    expect(lom(["no-such-command"], dir).code).toBe(2);
  });

  it("--help lists every command of the interface", () => {
    const help = lom(["--help"], dir);
    expect(help.code).toBe(0);
    for (const command of ["start", "validate", "modules", "capabilities", "describe", "why", "refresh", "schema"]) {
      expect(help.stdout, command).toContain(command);
    }
  });

  it("lom schema prints the registration JSON Schema", () => {
    const run = lom(["schema"], dir);
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout);
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(expect.arrayContaining(["registration_metadata", "capabilities"]));
  });
});

describe("lom start with a bad config", () => {
  it("exits 2 and names every fault", () => {
    const dir = scratch();
    writeFileSync(join(dir, "lom.config.json"), JSON.stringify({ listen: "nowhere", read: "sometimes", store: 7 }));
    const run = lom(["start", "--config", join(dir, "lom.config.json")], dir);
    expect(run.code).toBe(2);
    const said = run.stdout + run.stderr;
    for (const key of ["listen", "read", "store"]) expect(said, key).toContain(key);
  });
});
