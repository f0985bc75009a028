import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MrsFailure } from "../errors.js";
import { compileSchema, validateRegistration } from "../validate.js";
import {
  isLinearMatcher,
  LinearRegExp,
  linearMatcher,
  MAX_COMPILED_PROGRAMS,
  MAX_LINEAR_REPEAT,
  toLinear,
} from "./linear-regex.js";

/**
 * A hang guard, not a speed claim (speed lives in `pnpm bench`): backtracking on these inputs
 * would take hours, so a bound this loose only separates "finishes" from "hangs", even on a
 * loaded 2-core CI machine.
 */
const HANG_GUARD_MS = 10_000;

function matcher(source: string) {
  const found = linearMatcher(source);
  if (!isLinearMatcher(found)) throw new Error(`${source}: ${found.reason}`);
  return found;
}

/** The linear engine must answer as V8 does with the `u` flag, the reading JSON Schema prescribes. */
function expectSameAsEcmaScript(source: string, inputs: readonly string[]): void {
  const linear = matcher(source);
  const v8 = new RegExp(source, "u");
  for (const input of inputs) expect(linear.test(input), `${source} on ${JSON.stringify(input)}`).toBe(v8.test(input));
}

const SPACES = [
  "\t",
  "\n",
  "\v",
  "\f",
  "\r",
  " ",
  "\u00a0",
  "\u1680",
  "\u2000",
  "\u200a",
  "\u2028",
  "\u2029",
  "\u202f",
  "\u205f",
  "\u3000",
  "\ufeff",
];
const TRICKY = [
  "",
  "a",
  "A",
  "_",
  "0",
  "9",
  "é",
  "ß",
  "\u0130",
  "\u212a",
  "😀",
  "\ud83d",
  "\ude00",
  "x\n",
  "\n",
  "\r",
  "-",
  "$",
  "^",
  ...SPACES,
];

describe("the linear engine reads patterns as ECMA-262 does (MRS-E11)", () => {
  it.each([
    [
      "\\s and \\S: Unicode spaces and \\v, which RE2's \\s leaves out",
      ["^\\s$", "^\\S$", "^[\\s]$", "^[^\\s]$", "^[\\S\\d]$"],
    ],
    ["\\w, \\W, \\d, \\D and \\b: ASCII only", ["^\\w$", "^\\W$", "^\\d$", "^\\D$", "\\bA", "A\\B"]],
    [". leaves out \\n, \\r, U+2028 and U+2029", ["^.$", "^.+$", "^[^]$"]],
    ["$ is the end of the input only, ^ its start", ["^x$", "x$", "^$", "^\\n$"]],
    [
      "Unicode properties and code points beyond the BMP",
      ["^\\p{L}$", "^\\P{L}$", "^\\p{Lu}$", "^\\p{Script=Greek}$", "^.$", "^\\u{1F600}$", "^[😀-😂]$", "^\\ud83d$"],
    ],
    [
      "classes, ranges and escapes",
      ["^[a-z_-]$", "^[^a-z]$", "^[\\^$.]$", "^\\cJ$", "^\\0$", "^\\x41$", "^\\u0041$", "^[\\-]$", "^[]$"],
    ],
  ])("%s", (_, sources) => {
    for (const source of sources) expectSameAsEcmaScript(source, TRICKY);
  });

  it("MRS-E11 agrees with V8 on random patterns and inputs (a differential property)", () => {
    const atom = fc.constantFrom("a", "b", "\\d", "\\w", "\\s", ".", "[ab]", "[^a]", "\\n", "é", "😀", "\\b", "^", "$");
    const regex: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        atom,
        fc.tuple(tie("node"), tie("node")).map(([a, b]) => `${a}${b}`),
        fc.tuple(tie("node"), tie("node")).map(([a, b]) => `(?:${a}|${b})`),
        fc.tuple(tie("node"), fc.constantFrom("*", "+", "?", "{2}", "{1,3}", "*?")).map(([a, q]) => `(${a})${q}`),
      ),
    })).node;
    const input = fc.array(fc.constantFrom("a", "b", "1", " ", "\n", "\r", "\u2028", "é", "😀", "_", "\v"), {
      maxLength: 8,
    });
    fc.assert(
      fc.property(regex, fc.array(input, { minLength: 1, maxLength: 5 }), (source, inputs) => {
        const v8 = new RegExp(source, "u");
        const linear = matcher(source);
        for (const chars of inputs) {
          const text = chars.join("");
          if (linear.test(text) !== v8.test(text)) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });
});

describe("what the linear engine cannot run is named, never approximated (MRS-E11)", () => {
  it.each([
    ["^(?!-)[a-z]+$", "(?!-)"],
    ["(?<=a)b", "(?<=a)"],
    ["^(a)\\1$", "\\1"],
    ["^(?<n>a)\\k<n>$", "\\k<n>"],
    [`^a{${MAX_LINEAR_REPEAT + 1}}$`, `{${MAX_LINEAR_REPEAT + 1}}`],
    ["^(?:(?:a{40}){30})$", "a{40}"],
  ])("%s is not translated: it names %s", (source, construct) => {
    expect(toLinear(source)).toMatchObject({ ok: false, construct });
  });

  it("MRS-E11 RE2's limits: counts up to 1,000, nested counts multiplying to 1,000, a bounded program", () => {
    expect(toLinear(`^a{${MAX_LINEAR_REPEAT}}$`).ok).toBe(true);
    expect(toLinear("^(?:(?:a{40}){25})$").ok).toBe(true);
    expect(toLinear(`^(?:\\p{L}{1000}){1}${"(?:[a-z]{1000})".repeat(101)}$`)).toMatchObject({
      ok: false,
      construct: "its size",
    });
  });
});

describe("the classic catastrophic shapes run in linear time (MRS-E11)", () => {
  const hostile = (unit: string, tail: string) => `${unit.repeat(Math.ceil(100_000 / unit.length))}${tail}`;
  it.each([
    ["^(a+)+$", hostile("a", "!")],
    ["^(a|a)*$", hostile("a", "!")],
    ["^(a|aa)+$", hostile("a", "!")],
    ["(x+x+)+y", hostile("x", "")],
    ["^(?:(?:>=|>|<=|<)\\d+\\.\\d+\\.\\d+(?:[+-]\\S+)?\\s*)+$", hostile(">=1.1.1-1", " !")],
    [".*\\.git$", hostile("a", "")],
    ["^.*\\$\\{\\{(.|[\\r\\n])*\\}\\}.*$", hostile("${{", "")],
  ])("%s on 100 KB of hostile input", (source, input) => {
    const started = performance.now();
    expect(matcher(source).test(input)).toBe(false);
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
  });
});

describe("compiled programs are bounded in number (memory)", () => {
  it("a matcher whose program was let go compiles it again and answers the same", () => {
    const first = matcher("^first-[0-9]+$");
    expect(first.test("first-12")).toBe(true);
    for (let index = 0; index <= MAX_COMPILED_PROGRAMS; index++) matcher(`^p${index}-[a-z]+$`).test(`p${index}-x`);
    expect(first.test("first-12")).toBe(true);
    expect(first.test("first-x")).toBe(false);
  });
});

describe("LinearRegExp: a RegExp whose matching runs on the linear engine", () => {
  it("test and exec answer through RE2, with the whole match and its index", () => {
    const regexp = new LinearRegExp(matcher("b+c"));
    expect(regexp).toBeInstanceOf(RegExp);
    expect(regexp.source).toBe("b+c");
    expect(regexp.test("abbcd")).toBe(true);
    expect(regexp.exec("abbcd")).toMatchObject({ 0: "bbc", index: 1 });
    expect(regexp.exec("ad")).toBeNull();
    expect("abbcd".match(regexp)?.[0]).toBe("bbc");
    const slow = new LinearRegExp(matcher("^(a+)+$"));
    expect(slow.test(`${"a".repeat(100_000)}!`)).toBe(false);
  });
});

describe("compiled validators run every pattern on the linear engine (MRS-E11, MRS-I1)", () => {
  const hostileKey = `${"a".repeat(100_000)}!`;

  it("MRS-I1 pattern: the pubspec pattern on a 5,000-character hostile input, and its error at the value", () => {
    const pubspec = "^(?:(?:>=|>|<=|<)\\d+\\.\\d+\\.\\d+(?:[+-]\\S+)?\\s*)+$";
    const validator = compileSchema({ type: "object", properties: { sdk: { type: "string", pattern: pubspec } } });
    const started = performance.now();
    const result = validator.check({ sdk: `${">=1.1.1-1".repeat(555)} !` }, "INPUT_INVALID");
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
    expect(result).toEqual({
      valid: false,
      errors: [expect.objectContaining({ pointer: "/sdk", message: `input /sdk must match pattern "${pubspec}"` })],
    });
    expect(validator.check({ sdk: ">=2.12.0 <3.0.0" }, "INPUT_INVALID")).toEqual({ valid: true });
  });

  it("MRS-I1 patternProperties: matched members are checked, errors point at the member, hostile keys are fast", () => {
    const validator = compileSchema({
      type: "object",
      properties: { fixed: { type: "string" } },
      patternProperties: { "^(a+)+$": { type: "integer" }, "^x-": { type: "string" } },
      additionalProperties: false,
    });
    expect(validator.check({ aaa: 1, "x-y": "z", fixed: "f" }, "INPUT_INVALID")).toEqual({ valid: true });
    expect(validator.check({ aaa: "one", "x-y": 2, other: 3 }, "INPUT_INVALID")).toMatchObject({
      valid: false,
      errors: [
        { pointer: "/aaa", message: expect.stringContaining("input /aaa") },
        { pointer: "/x-y", message: expect.stringContaining("input /x-y") },
        { pointer: "/other", message: "input /other is not allowed: the schema does not define this member" },
      ],
    });
    const started = performance.now();
    expect(validator.check({ [hostileKey]: 1 }, "INPUT_INVALID").valid).toBe(false);
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
  });

  it("MRS-I1 patternProperties nested, under $defs and behind a $ref that points into them", () => {
    const validator = compileSchema({
      type: "object",
      $defs: { count: { type: "integer", minimum: 0 } },
      properties: {
        map: {
          type: "object",
          patternProperties: {
            "^n": { $ref: "#/$defs/count" },
            "^m": { patternProperties: { "^\\d+$": { type: "boolean" } } },
          },
        },
        again: { $ref: "#/properties/map/patternProperties/%5En" },
      },
    });
    expect(validator.check({ map: { n1: 3, m: { "12": true } }, again: 4 }, "INPUT_INVALID")).toEqual({ valid: true });
    expect(validator.check({ map: { n1: -1, m: { "12": "no" } }, again: "x" }, "INPUT_INVALID")).toMatchObject({
      valid: false,
      errors: expect.arrayContaining([
        expect.objectContaining({ pointer: "/map/n1" }),
        expect.objectContaining({ pointer: "/map/m/12" }),
        expect.objectContaining({ pointer: "/again" }),
      ]),
    });
  });

  it("MRS-I1 a draft-07 schema with patternProperties and an $id at its root", () => {
    const validator = compileSchema({
      $schema: "http://json-schema.org/draft-07/schema#",
      $id: "https://example.com/tool.json",
      definitions: { name: { type: "string", minLength: 2 } },
      type: "object",
      patternProperties: { "^label\\.": { $ref: "#/definitions/name" } },
    });
    expect(validator.check({ "label.a": "ok" }, "INPUT_INVALID")).toEqual({ valid: true });
    expect(validator.check({ "label.a": "x" }, "INPUT_INVALID")).toMatchObject({
      valid: false,
      errors: [{ pointer: "/label.a" }],
    });
  });

  it("MRS-E11 beside unevaluatedProperties, patternProperties keys run on V8 and must be proven safe there", () => {
    const schema = (key: string) => ({
      type: "object",
      patternProperties: { [key]: { type: "string" } },
      unevaluatedProperties: false,
    });
    const validator = compileSchema(schema("^x-"));
    expect(validator.check({ "x-a": "s" }, "INPUT_INVALID")).toEqual({ valid: true });
    expect(validator.check({ "x-a": "s", b: 1 }, "INPUT_INVALID").valid).toBe(false);
    expect(() => compileSchema(schema("^(a+)+$"))).toThrow(MrsFailure);
    try {
      compileSchema(schema("^(a+)+$"));
    } catch (error) {
      expect((error as MrsFailure).errors[0]).toMatchObject({
        code: "UNSAFE_PATTERN",
        pointer: "/patternProperties/^(a+)+$",
        message: expect.stringContaining("unevaluatedProperties"),
      });
    }
  });

  it("MRS-E11 a message that quotes a pattern stays one line", () => {
    const pattern = "^(?=(a+)+$)\n\u001b[2J";
    const payload = {
      registration_metadata: { module_name: "m", module_version: "1.0.0", registered_at: "2025-12-01T00:00:00Z" },
      capabilities: [
        {
          action: "a",
          description: "d",
          input_schema: { type: "object", properties: { v: { type: "string", pattern } } },
          output_schema: { type: "object" },
        },
      ],
    };
    const result = validateRegistration(payload);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain("^(?=(a+)+$)\\u{a}\\u{1b}[2J");
    expect(result.errors[0]?.message).not.toContain("\n");
    expect(result.errors[0]?.message).not.toContain("\u001b");
  });
});
