// `lom diff OLD.json NEW.json` through the built binary (RULES.md C1-C4, INTERFACES.md): the
// differences for a module author's CI, with exit 0 when the versions declare every breaking
// change, 1 when they do not, 2 on bad input.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lom, tempDir } from "./harness.js";

const payload = (version: string, input: object, output: object = { type: "object" }, name = "echo") => ({
  registration_metadata: { module_name: name, module_version: version, registered_at: "2025-12-01T00:00:00Z" },
  capabilities: [{ action: "echo", description: "Echoes a message", input_schema: input, output_schema: output }],
});

const closedInput = {
  type: "object",
  additionalProperties: false,
  required: ["msg"],
  properties: { msg: { type: "string", maxLength: 100 } },
};

describe("lom diff", () => {
  let dir = "";
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return name;
  };

  beforeAll(() => {
    dir = tempDir("lom-diff-");
    file("v1.json", payload("1.0.0", closedInput));
    // The everyday change: an optional property added to a closed input object (widens).
    file(
      "v1.1-optional.json",
      payload("1.1.0", { ...closedInput, properties: { ...closedInput.properties, times: { type: "integer" } } }),
    );
    // A real narrowing: maxLength lowered.
    file(
      "v1.1-narrowed.json",
      payload("1.1.0", { ...closedInput, properties: { msg: { type: "string", maxLength: 10 } } }),
    );
    file(
      "v2-narrowed.json",
      payload("2.0.0", { ...closedInput, properties: { msg: { type: "string", maxLength: 10 } } }),
    );
    // The C4 trap: an optional property added to an open input object.
    file("open-v1.json", payload("0.3.0", { type: "object", properties: { msg: { type: "string" } } }));
    file(
      "open-v1.1.json",
      payload("0.3.1", { type: "object", properties: { msg: { type: "string" }, times: { type: "integer" } } }),
    );
    // Undecidable: a changed pattern.
    file(
      "pattern-v1.json",
      payload("1.0.0", { type: "object", properties: { id: { type: "string", pattern: "^[a-z]+$" } } }),
    );
    file(
      "pattern-v1.1.json",
      payload("1.1.0", { type: "object", properties: { id: { type: "string", pattern: "^[a-z0-9]+$" } } }),
    );
    file("other-module.json", payload("1.1.0", closedInput, { type: "object" }, "other"));
    file("broken.json", "{ not json");
    file("invalid.json", payload("1.0", { type: "string" }));
  });

  it("MRS-C1 an optional property added to a closed input is not breaking: exit 0, the difference listed", () => {
    const result = lom(["diff", "v1.json", "v1.1-optional.json"], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/· compatible +echo optional-property-added-to-closed-object: input \/times:/);
    expect(result.stdout).toContain("1 difference: 0 breaking, 0 undecidable, 1 compatible; 1.1.0 may replace 1.0.0");
  });

  it("MRS-C2 a narrowing without a major version: exit 1, the breaking line marked, the version it needs named", () => {
    const result = lom(["diff", "v1.json", "v1.1-narrowed.json"], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ breaking +echo max-length-decreased: input \/msg: maxLength 100 became 10; breaking/,
    );
    expect(result.stdout).toContain("(/capabilities/0/input_schema/properties/msg/maxLength)");
    expect(result.stdout).toContain(
      "1.1.0 does not declare breaking changes after 1.0.0: MRS-C2 asks for 2.0.0 or later",
    );
  });

  it("MRS-C2 the same narrowing with a major version: exit 0", () => {
    const result = lom(["diff", "v1.json", "v2-narrowed.json"], dir);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain("2.0.0 declares breaking changes after 1.0.0 (MRS-C2)");
  });

  it("MRS-C4 an optional property added to an open input object is breaking; for 0.y.z a patch does not declare it", () => {
    const result = lom(["diff", "open-v1.json", "open-v1.1.json", "--json"], dir);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      breaking: true,
      declared: false,
      differences: [
        {
          kind: "optional-property-added-to-open-object",
          action: "echo",
          breaking: true,
          old_pointer: "/capabilities/0/input_schema",
          new_pointer: "/capabilities/0/input_schema/properties/times",
          message: expect.stringContaining("a member of that name with another value was valid before"),
        },
      ],
    });
  });

  it("MRS-C4 an undecidable difference counts as breaking, and --json prints exactly the report, nothing else", () => {
    const result = lom(["diff", "pattern-v1.json", "pattern-v1.1.json", "--json"], dir);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(["breaking", "declared", "differences"]);
    expect(report.breaking).toBe(true);
    expect(report.differences).toEqual([
      expect.objectContaining({ kind: "pattern-changed", breaking: "undecidable", action: "echo" }),
    ]);
    for (const difference of report.differences) {
      expect(Object.keys(difference).filter((k) => !["old_pointer", "new_pointer"].includes(k))).toEqual([
        "kind",
        "action",
        "breaking",
        "message",
      ]);
    }
    const human = lom(["diff", "pattern-v1.json", "pattern-v1.1.json"], dir);
    expect(human.stdout).toMatch(/\? undecidable echo pattern-changed: /);
    expect(human.stdout).toContain("an undecidable difference counts as breaking, MRS-C4");
  });

  it("MRS-C1 the same payload: no differences, exit 0", () => {
    const result = lom(["diff", "v1.json", "v1.json", "--json"], dir);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ breaking: false, declared: false, differences: [] });
  });

  it("MRS-C4 bad input exits 2 and says why, with the MRS error codes, on stderr only", () => {
    for (const [args, expected] of [
      [["broken.json"], "INVALID_JSON"],
      [["invalid.json"], "INVALID_VERSION"],
      [["missing.json"], "SOURCE_UNAVAILABLE"],
    ] as const) {
      const result = lom(["diff", "v1.json", ...args, "--json"], dir);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`cannot compare ${args[0]}`);
      expect(result.stderr).toContain(expected);
    }
    const invalid = lom(["diff", "invalid.json", "v1.json"], dir);
    expect(invalid.stderr).toContain("SCHEMA_ROOT_NOT_OBJECT");
    const others = lom(["diff", "v1.json", "other-module.json"], dir);
    expect(others.code).toBe(2);
    expect(others.stderr).toContain('is module "echo" and other-module.json is "other"');
    expect(lom(["diff", "v1.json"], dir).code).toBe(2);
  });

  it("MRS-C4 --help explains what is compared and the exit codes", () => {
    const result = lom(["diff", "--help"], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: lom diff [options] <old> <new>");
    expect(result.stdout).toContain("undecidable");
    expect(result.stdout).toMatch(/Exit codes: 0 .* 1 .* 2 /s);
  });
});
