import { describe, expect, it } from "vitest";
import { checkSchemaOnce as checkOnce, passedRegistration, rebase } from "./schema-verdicts.js";

const role = { requireObjectRoot: true, label: "input_schema" } as const;
/** The report of a schema checked (or remembered) as an input schema, with pointers under `base`. */
const checkSchemaOnce = (schema: unknown, base: string) => rebase(checkOnce(schema, role, {}), base);

describe("schema verdicts remembered by content", () => {
  it("MRS-E9b a remembered verdict points under the schema's own place each time", () => {
    const schema = { type: "object", properties: { when: { type: "string", format: "stardate" } } };
    const first = checkSchemaOnce(schema, "/capabilities/0/input_schema");
    const again = checkSchemaOnce(structuredClone(schema), "/capabilities/3/input_schema");
    expect(first.warnings.map((w) => w.pointer)).toEqual(["/capabilities/0/input_schema/properties/when/format"]);
    expect(again.warnings.map((w) => w.pointer)).toEqual(["/capabilities/3/input_schema/properties/when/format"]);
  });

  it("MRS-E11 a rejection is decided afresh and keeps its pointer", () => {
    const schema = { type: "object", properties: { a: { type: "string", pattern: "^(?=(a+)+$)" } } };
    for (const index of [0, 1]) {
      const report = checkSchemaOnce(schema, `/capabilities/${index}/output_schema`);
      expect(report.errors.map((e) => [e.code, e.pointer])).toEqual([
        ["UNSAFE_PATTERN", `/capabilities/${index}/output_schema/properties/a/pattern`],
      ]);
    }
  });

  // A verdict is returned only for the content it was computed for (issue: keys are JSON text).
  it("MRS-E9b two schemas that differ only in member order each get their own right verdict", () => {
    const ordered = { type: "object", properties: { a: { type: "string", format: "order-one" }, b: { minimum: 1 } } };
    const reordered = { properties: { b: { minimum: 1 }, a: { format: "order-one", type: "string" } }, type: "object" };
    expect(JSON.stringify(ordered)).not.toBe(JSON.stringify(reordered));
    for (const schema of [ordered, reordered, ordered, reordered]) {
      const report = checkSchemaOnce(schema, "");
      expect(report.errors).toEqual([]);
      expect(report.warnings.map((w) => w.pointer)).toEqual(["/properties/a/format"]);
    }
  });

  it("MRS-E12 a __proto__ member read from JSON is content; a prototype set in code is not", () => {
    const parsed = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string","format":"proto-one"}}}');
    const literal = { type: "object", properties: { __proto__: { type: "string", format: "proto-one" } } };
    // Both orders: whichever comes first, the other must not get its verdict.
    for (const schemas of [
      [parsed, literal],
      [literal, parsed],
    ]) {
      for (const schema of schemas) {
        const report = checkSchemaOnce(structuredClone(schema), "");
        const expected = schema === parsed ? ["/properties/__proto__/format"] : [];
        expect(report.warnings.map((w) => w.pointer)).toEqual(expected);
      }
    }
    const hostile = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"strnig"}}}');
    expect(checkSchemaOnce({ type: "object", properties: {} }, "").errors).toEqual([]);
    expect(checkSchemaOnce(hostile, "").errors.map((e) => e.pointer)).toEqual(["/properties/__proto__/type"]);
  });

  it("MRS-E9 a value JSON.stringify would rewrite never shares a verdict with what it writes", () => {
    const plain = { type: "object", properties: { a: { type: "string" } } };
    expect(checkSchemaOnce(plain, "").errors).toEqual([]);
    const disguised = { type: "object", properties: { a: { type: "strnig" } }, toJSON: () => plain };
    expect(JSON.stringify(disguised)).toBe(JSON.stringify(plain));
    expect(checkSchemaOnce(disguised, "").errors.map((e) => e.pointer)).toContain("/properties/a/type");
  });

  it("MRS-E9 a schema straight from JSON.parse is keyed by its text unwalked, and shares its verdict with the same content", () => {
    const text = '{"type":"object","properties":{"parsed-key":{"type":"string","format":"parsed-one"}}}';
    const parsed = checkOnce(JSON.parse(text), role, {}, undefined, 0, true);
    expect(parsed.warnings.map((w) => w.pointer)).toEqual(["/properties/parsed-key/format"]);
    expect(checkOnce(JSON.parse(text), role, {})).toBe(parsed);
  });

  it("MRS-E11 a schema from JSON.parse nested deeper than JSON.stringify can write is refused, never a fault", () => {
    // 20,000 levels: JSON.parse reads them, JSON.stringify runs out of stack (5,000 already does on Node 20).
    const deep = JSON.parse(
      `{"type":"object","properties":{"a":${'{"items":'.repeat(20_000)}{}${"}".repeat(20_000)}}}`,
    );
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const report = checkOnce(deep, role, {}, undefined, 0, true);
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.errors.every((e) => e.rule === "E11")).toBe(true);
  });
});

describe("content a registration passed, found again at its first check (I1)", () => {
  it("MRS-I1 the same text is found, another member order or a refused schema is not", () => {
    const schema = { type: "object", title: "passed at registration", properties: { n: { minimum: 1 } } };
    expect(passedRegistration(schema)).toBe(false);
    expect(checkOnce(schema, role, {}).errors).toEqual([]);
    expect(passedRegistration(structuredClone(schema))).toBe(true);
    expect(passedRegistration(Object.fromEntries(Object.entries(schema).reverse()))).toBe(false);
    const refused = { type: "object", title: "refused at registration", properties: { n: { type: "strnig" } } };
    expect(checkOnce(refused, role, {}).errors).not.toEqual([]);
    expect(passedRegistration(refused)).toBe(false);
  });
});
