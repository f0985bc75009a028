import { describe, expect, it } from "vitest";
import { checkSchemaOnce } from "./schema-verdicts.js";

const options = { requireObjectRoot: true, label: "input_schema", deadline: Number.POSITIVE_INFINITY } as const;

describe("schema verdicts remembered by content", () => {
  it("MRS-E9b a remembered verdict points under the schema's own place each time", () => {
    const schema = { type: "object", properties: { when: { type: "string", format: "stardate" } } };
    const first = checkSchemaOnce(schema, "/capabilities/0/input_schema", options);
    const again = checkSchemaOnce(structuredClone(schema), "/capabilities/3/input_schema", options);
    expect(first.warnings.map((w) => w.pointer)).toEqual(["/capabilities/0/input_schema/properties/when/format"]);
    expect(again.warnings.map((w) => w.pointer)).toEqual(["/capabilities/3/input_schema/properties/when/format"]);
  });

  it("MRS-E11 a rejection is decided afresh and keeps its pointer", () => {
    const schema = { type: "object", properties: { a: { type: "string", pattern: "^(?=(a+)+$)" } } };
    for (const index of [0, 1]) {
      const report = checkSchemaOnce(schema, `/capabilities/${index}/output_schema`, options);
      expect(report.errors.map((e) => [e.code, e.pointer])).toEqual([
        ["UNSAFE_PATTERN", `/capabilities/${index}/output_schema/properties/a/pattern`],
      ]);
    }
  });
});
