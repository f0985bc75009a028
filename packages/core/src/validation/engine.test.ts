import Schema from "typebox/schema";
import { describe, expect, it, vi } from "vitest";
import { MrsFailure } from "../errors.js";
import { compileSchema, knownFormats, schemaWarnings, validateRegistration } from "../validate.js";
import { compileRegisteredSchema } from "./engine.js";
import { checkSchema } from "./schema-rules.js";

// TypeBox's compile, counted: a registration must not call it (I1, compiled on first use).
vi.mock("typebox/schema", async (importOriginal) => {
  const actual = await importOriginal<typeof import("typebox/schema")>();
  return { ...actual, default: { ...actual.default, Compile: vi.fn(actual.default.Compile) } };
});

// The schema rules, counted: content a registration passed is not checked again at its first use.
vi.mock("./schema-rules.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./schema-rules.js")>();
  return { ...actual, checkSchema: vi.fn(actual.checkSchema) };
});

/** How many times the rules checked a schema titled `title`. */
function checksOf(title: string): number {
  return vi.mocked(checkSchema).mock.calls.filter(([root]) => (root as { title?: unknown }).title === title).length;
}

/** How many times TypeBox compiled a schema titled `title` (the compiled copy keeps the title). */
function compilesOf(title: string): number {
  return vi.mocked(Schema.Compile).mock.calls.filter(([root]) => (root as { title?: unknown }).title === title).length;
}

/**
 * A hang guard, not a speed claim (speed lives in `pnpm bench`): catastrophic backtracking on
 * these inputs would take minutes to hours, so a bound this loose only separates "finishes"
 * from "hangs", even on a loaded 2-core CI machine.
 */
const HANG_GUARD_MS = 10_000;

const ORDER = {
  type: "object",
  required: ["id", "count"],
  properties: {
    id: { type: "string", format: "uuid" },
    count: { type: "integer", minimum: 1 },
    when: { type: "string", format: "date-time" },
    tags: { type: "array", items: { type: "string", pattern: "^[a-z]+$" } },
  },
  additionalProperties: false,
};

describe("compileSchema and SchemaValidator.check", () => {
  it("MRS-I1 accepts a valid input and reports every fault of an invalid one at its instance path", () => {
    const validator = compileSchema(ORDER);
    expect(validator.check({ id: "123e4567-e89b-12d3-a456-426614174000", count: 2 }, "INPUT_INVALID")).toEqual({
      valid: true,
    });
    const result = validator.check({ id: "nope", count: 0, tags: ["ok", "NO"], extra: true }, "INPUT_INVALID");
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.errors.map((error) => [error.code, error.rule, error.pointer])).toEqual(
      expect.arrayContaining([
        ["INPUT_INVALID", "I1", "/id"],
        ["INPUT_INVALID", "I1", "/count"],
        ["INPUT_INVALID", "I1", "/tags/1"],
        ["INPUT_INVALID", "I1", "/extra"],
      ]),
    );
    expect(result.errors).toHaveLength(4);
    expect(result.errors.find((error) => error.pointer === "/extra")?.message).toMatch(/not allowed/);
  });

  it("MRS-I1 uses OUTPUT_INVALID for outputs and names the missing member", () => {
    const result = compileSchema(ORDER).check({ id: "123e4567-e89b-12d3-a456-426614174000" }, "OUTPUT_INVALID");
    expect(result).toEqual({
      valid: false,
      errors: [
        expect.objectContaining({
          code: "OUTPUT_INVALID",
          rule: "I1",
          pointer: "",
          message: expect.stringContaining("count"),
        }),
      ],
    });
  });

  it("MRS-I1 compiles each schema once: the same content in any member order gets the same validator", () => {
    const first = compileSchema(ORDER);
    expect(compileSchema(ORDER)).toBe(first);
    const reordered = Object.fromEntries(Object.entries(ORDER).reverse());
    expect(compileSchema(reordered)).toBe(first);
    expect(compileSchema({ ...ORDER, required: ["id"] })).not.toBe(first);
  });

  it("MRS-I1 a registration checks its schemas without compiling them; the first check compiles each, once", () => {
    const title = "compiled on first use";
    const input = { ...ORDER, title };
    const payload = {
      registration_metadata: { module_name: "lazy", module_version: "1.0.0", registered_at: "2026-12-01T00:00:00Z" },
      capabilities: [{ action: "order", description: "Orders", input_schema: input, output_schema: input }],
    };
    expect(validateRegistration(payload).ok).toBe(true);
    expect(compilesOf(title)).toBe(0);
    const checked = checksOf(title);
    // The catalog's first check, on another object of the same text: compiled now, without the rules again.
    const validator = compileRegisteredSchema(structuredClone(input));
    expect(compilesOf(title)).toBe(1);
    expect(checksOf(title)).toBe(checked);
    expect(validator.check({ id: "nope", count: 1 }, "INPUT_INVALID").valid).toBe(false);
    expect(compileSchema(input)).toBe(validator);
    expect(compilesOf(title)).toBe(1);
    // Found compiled by content from then on, in any member order: no rules, no compile.
    expect(compileRegisteredSchema(Object.fromEntries(Object.entries(input).reverse()))).toBe(validator);
    expect([checksOf(title), compilesOf(title)]).toEqual([checked, 1]);
    // Members in another order before any compile are not the text a registration passed: checked again.
    const other = { ...ORDER, title: "registered in one order, used in another" };
    expect(
      validateRegistration({ ...payload, capabilities: [{ ...payload.capabilities[0], input_schema: other }] }).ok,
    ).toBe(true);
    const before = checksOf(other.title);
    compileRegisteredSchema(Object.fromEntries(Object.entries(other).reverse()));
    expect(checksOf(other.title)).toBe(before + 1);
    // compileSchema of content never registered compiles at once: its caller asked for a validator.
    compileSchema({ type: "object", title: "asked for" });
    expect(compilesOf("asked for")).toBe(1);
  });

  it("MRS-I1 compiles many schemas and checks many inputs without a fault", () => {
    const schemas = Array.from({ length: 200 }, (_, index) => ({
      ...ORDER,
      properties: { ...ORDER.properties, n: { minimum: index } },
    }));
    // How fast is measured by `pnpm bench`; here only that nothing breaks at volume.
    const validators = schemas.map((schema) => compileSchema(schema));
    expect(new Set(validators).size).toBe(schemas.length);
    const validator = compileSchema(ORDER);
    const input = { id: "123e4567-e89b-12d3-a456-426614174000", count: 2, tags: ["a"] };
    let valid = 0;
    for (let index = 0; index < 20_000; index++) if (validator.check(input, "INPUT_INVALID").valid) valid += 1;
    expect(valid).toBe(20_000);
  });

  it("MRS-I1 reports an input nested too deep to check instead of throwing", () => {
    const validator = compileSchema({ type: "object", properties: { next: { $ref: "#" } } });
    let input: Record<string, unknown> = {};
    for (let level = 0; level < 100_000; level++) input = { next: input };
    const result = validator.check(input, "INPUT_INVALID");
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.errors[0]).toMatchObject({ code: "INPUT_INVALID", pointer: "" });
  });

  it("MRS-I1 follows draft-07 when $schema names it: siblings of $ref are ignored", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      definitions: { list: { type: "array" } },
      properties: { a: { $ref: "#/definitions/list", maxItems: 1 } },
    };
    expect(compileSchema(schema).check({ a: [1, 2, 3] }, "INPUT_INVALID")).toEqual({ valid: true });
    const { $schema: _, ...as2020 } = schema;
    expect(compileSchema(as2020).check({ a: [1, 2, 3] }, "INPUT_INVALID").valid).toBe(false);
  });

  it("MRS-I2 checks the standard formats instead of ignoring them", () => {
    const cases: [string, string, string][] = [
      ["date-time", "2025-12-01T00:00:00Z", "2025-02-30T00:00:00Z"],
      ["date", "2024-02-29", "2023-02-29"],
      ["time", "23:59:59Z", "24:00:00Z"],
      ["email", "ops@example.com", "ops@@example.com"],
      ["uri", "https://example.com/a?b#c", "not a uri"],
      ["uri-reference", "../a/b", "\\\\bad"],
      ["uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456"],
      ["ipv4", "192.168.0.1", "256.1.1.1"],
      ["ipv6", "::1", "1:::1"],
      ["hostname", "nomad.service.consul", "-bad-.example"],
      ["duration", "P1DT2H", "P1H"],
      ["json-pointer", "/a/b~1c", "a/b"],
      ["regex", "^[a-z]+$", "(["],
    ];
    for (const [format, good, bad] of cases) {
      const validator = compileSchema({ type: "object", properties: { v: { type: "string", format } } });
      expect(validator.check({ v: good }, "INPUT_INVALID"), `${format} ${good}`).toEqual({ valid: true });
      const result = validator.check({ v: bad }, "INPUT_INVALID");
      expect(result.valid, `${format} ${bad}`).toBe(false);
      if (!result.valid) expect(result.errors[0]?.message).toContain(format);
    }
  });

  it("MRS-I2 lists the formats it checks, and E9b warns about any other", () => {
    expect(knownFormats()).toEqual(
      expect.arrayContaining(["date-time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname"]),
    );
    expect(
      schemaWarnings({ type: "object", properties: { v: { format: "semver" } } }, "/capabilities/0/input_schema"),
    ).toEqual([
      expect.objectContaining({ code: "UNKNOWN_FORMAT", pointer: "/capabilities/0/input_schema/properties/v/format" }),
    ]);
    expect(schemaWarnings(ORDER)).toEqual([]);
  });

  it("MRS-E9b an unknown format is not checked at I1: the warning says so, and values pass", () => {
    const validator = compileSchema({ type: "object", properties: { v: { type: "string", format: "semver" } } });
    expect(validator.check({ v: "anything" }, "INPUT_INVALID")).toEqual({ valid: true });
  });

  it.each([
    [{ type: "object", properties: { a: { $ref: "https://example.com/a.json" } } }, "REMOTE_REF_FORBIDDEN"],
    [{ type: "object", properties: { a: { type: "string", pattern: "^(?=(a+)+$)" } } }, "UNSAFE_PATTERN"],
    [
      { type: "object", properties: { a: { enum: Array.from({ length: 1001 }, (_, index) => index) } } },
      "SCHEMA_TOO_COMPLEX",
    ],
    [{ type: "object", required: "a" }, "INVALID_JSON_SCHEMA"],
    [{ type: "object", minLength: "1; globalThis.__pwned = 1" }, "INVALID_JSON_SCHEMA"],
  ])("MRS-E10/E11 compileSchema refuses what would make compiling or checking unsafe (%#)", (schema, code) => {
    expect(() => compileSchema(schema)).toThrow(MrsFailure);
    try {
      compileSchema(schema);
    } catch (error) {
      expect((error as MrsFailure).errors[0]?.code).toBe(code);
    }
  });

  it("MRS-E11 a pattern that passes the check stays fast on a long hostile input", () => {
    const validator = compileSchema({
      type: "object",
      properties: { a: { type: "string", pattern: "^[a-z]+(-[a-z]+)*$" } },
    });
    const started = performance.now();
    const result = validator.check({ a: `${"a-".repeat(500_000)}!` }, "INPUT_INVALID");
    expect(result.valid).toBe(false);
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
  });

  it("MRS-E12 a __proto__ member of a schema read from JSON stays a member the engine checks", () => {
    const schema = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__"],"$defs":{"__proto__":{"type":"integer"}}}',
    );
    const validator = compileSchema(schema);
    expect(validator.check(JSON.parse('{"__proto__":"text"}'), "INPUT_INVALID")).toEqual({ valid: true });
    const wrong = validator.check(JSON.parse('{"__proto__":5}'), "INPUT_INVALID");
    expect(wrong.valid ? [] : wrong.errors.map((e) => e.pointer)).toEqual(["/__proto__"]);
    expect(validator.check({}, "INPUT_INVALID").valid).toBe(false);
  });

  describe("MRS-E11 no string from a schema reaches generated code unescaped", () => {
    const HOSTILE = [
      "'];globalThis.__pwned=1;//",
      '"];globalThis.__pwned=1;//',
      "`;globalThis.__pwned=1;//",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the attack.
      "${globalThis.__pwned=1}",
      "*/globalThis.__pwned=1;/*",
      "\u2028globalThis.__pwned=1;//",
      '\\"]);globalThis.__pwned=1;//',
      "a')+(globalThis.__pwned=1)+('",
      "__proto__",
      "constructor",
    ];
    const escapeForPattern = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const schemasFor = (text: string): object[] => [
      { type: "object", properties: { [text]: { type: "string" } }, required: [text] },
      { type: "object", properties: { x: { const: text } } },
      { type: "object", properties: { x: { enum: [text, 1] } } },
      { type: "object", properties: { x: { type: "string", pattern: escapeForPattern(text) } } },
      {
        type: "object",
        patternProperties: { [escapeForPattern(text)]: { type: "string" } },
        additionalProperties: false,
      },
      { type: "object", properties: { x: { type: "string", format: text } } },
      { type: "object", dependentRequired: { [text]: [text] } },
      {
        type: "object",
        $defs: { [text]: { type: "string" } },
        properties: { x: { $ref: `#/$defs/${encodeURIComponent(text.replaceAll("~", "~0").replaceAll("/", "~1"))}` } },
      },
      { type: "object", propertyNames: { const: text } },
      { type: "object", title: text, description: text, properties: { x: { default: text, examples: [text] } } },
    ];

    it.each(HOSTILE)(
      "MRS-E11 compiling and checking with %j in keys, constants and patterns runs none of it",
      (text) => {
        const sentinel = globalThis as { __pwned?: unknown };
        delete sentinel.__pwned;
        for (const schema of schemasFor(text)) {
          let validator: ReturnType<typeof compileSchema> | undefined;
          try {
            validator = compileSchema(schema);
          } catch (error) {
            // Refusing a schema is fine; running its text is not.
            expect(error).toBeInstanceOf(MrsFailure);
          }
          validator?.check({}, "INPUT_INVALID");
          validator?.check({ x: text, [text]: text }, "INPUT_INVALID");
          validator?.check(
            JSON.parse(`{"${text === "__proto__" ? "__proto__" : "y"}": {"polluted": true}}`),
            "INPUT_INVALID",
          );
        }
        expect(sentinel.__pwned).toBeUndefined();
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );
  });
});
