import { describe, expect, it } from "vitest";
import { paramsToInput } from "./params.js";

const schema = {
  type: "object",
  properties: {
    host: { type: "string" },
    port: { type: "integer" },
    ratio: { type: "number" },
    force: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
    opt: { type: ["integer", "null"] },
  },
};

describe("K=V parameters (RUNE's CLI passes every parameter as a string)", () => {
  it("MRS-I1 converts each value to the type its schema names before validation", () => {
    const { input, faults } = paramsToInput(
      ["host=db1", "port=5432", "ratio=0.5", "force=true", 'tags=["a","b"]', "opt=null", "extra=7"],
      schema,
    );
    expect(faults).toEqual([]);
    expect(input).toEqual({
      host: "db1",
      port: 5432,
      ratio: 0.5,
      force: true,
      tags: ["a", "b"],
      opt: null,
      extra: "7",
    });
  });

  it("keeps a value that does not convert as its string, so validation names the field", () => {
    expect(paramsToInput(["port=eighty", "force=yes", "host=42"], schema).input).toEqual({
      port: "eighty",
      force: "yes",
      host: "42",
    });
  });

  it("reports a parameter without =", () => {
    expect(paramsToInput(["oops"], schema).faults).toEqual([{ param: "oops", message: "expected KEY=VALUE" }]);
  });

  it("MRS-E12 a __proto__ parameter is data and changes no prototype", () => {
    const { input } = paramsToInput(['__proto__={"polluted":1}'], schema);
    expect(Object.hasOwn(input, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
  });
});
