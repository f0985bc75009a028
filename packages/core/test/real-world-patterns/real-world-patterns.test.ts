import { readFileSync } from "node:fs";
import { NAME_PATTERN, SEMVER_PATTERN, UTC_TIMESTAMP_PATTERN } from "@rune/mrs-schema";
import { describe, expect, it } from "vitest";
import { checkPattern, compileSchema, validateRegistration } from "../../src/validate.js";
import { toLinear } from "../../src/validation/linear-regex.js";

/**
 * A hang guard, not a speed claim (speed lives in `pnpm bench`): backtracking on these inputs
 * would take hours, so a bound this loose only separates "finishes" from "hangs", even on a
 * loaded 2-core CI machine.
 */
const HANG_GUARD_MS = 10_000;

/**
 * The one timed claim, as RULES.md E11 states it: a classic catastrophic shape checks 100 KB of
 * hostile input in well under a second. Measured at 5-25 ms here, so 1 s leaves a 40-fold margin
 * for a loaded CI machine; on V8's backtracking engine the same checks would not end in hours.
 */
const WELL_UNDER_A_SECOND_MS = 1000;

interface CorpusPattern {
  readonly pattern: string;
  readonly schema: string;
  readonly keyword: "pattern" | "patternProperties";
}

const here = (file: string) => new URL(file, import.meta.url);
const SCHEMASTORE = JSON.parse(readFileSync(here("schemastore-patterns.json"), "utf8")) as CorpusPattern[];
const schemaFile = (name: string) => JSON.parse(readFileSync(here(`schemas/${name}`), "utf8")) as object;

// The project's own: @rune/mrs-schema's lexical patterns and those of the repository's example payloads.
const PROJECT = [
  NAME_PATTERN,
  SEMVER_PATTERN,
  UTC_TIMESTAMP_PATTERN,
  "^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$",
  "^[a-zA-Z0-9_-]+$",
  "^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
  "^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*$",
  "^[^/].*$",
];

// Reported refused although fast, before patterns ran on the linear engine.
const REPORTED = [
  "\\d+:\\d+",
  ".*\\.git$",
  ".+\\.json$",
  "[A-Z][A-Z0-9]+-[0-9]+",
  "^[a-zA-Z_]+[a-zA-Z0-9_]*$",
  "^\\d+\\.\\d+\\.\\d+.*$",
  "[^/]+/.+",
  "^.*\\$\\{\\{(.|[\r\n])*\\}\\}.*$",
];

const PUBSPEC = "^(?:(?:>=|>|<=|<)\\d+\\.\\d+\\.\\d+(?:[+-]\\S+)?\\s*)+$";

describe("real-world regular expressions (MRS-E11)", () => {
  it("MRS-E11 the corpus is the one described in its README", () => {
    expect(SCHEMASTORE).toHaveLength(1277);
    const patterns = new Set(SCHEMASTORE.map((entry) => entry.pattern));
    for (const pattern of [...REPORTED, PUBSPEC]) expect(patterns.has(pattern), pattern).toBe(true);
  });

  it("MRS-E11 no SchemaStore pattern is refused unless the linear engine cannot run it", () => {
    const refused = SCHEMASTORE.filter(({ pattern }) => !checkPattern(pattern).safe);
    const runnable = refused.filter(({ pattern }) => toLinear(pattern).ok);
    expect(runnable).toEqual([]);
    // Today none is refused at all: the 21 with lookarounds pass the backtracking analysis.
    expect(refused).toEqual([]);
    const onBacktracking = SCHEMASTORE.filter(({ pattern }) => !toLinear(pattern).ok);
    expect(onBacktracking.length).toBeLessThanOrEqual(21);
    for (const { pattern } of onBacktracking) expect(pattern, pattern).toMatch(/\(\?<?[=!]/);
  });

  it.each([...PROJECT, ...REPORTED])("MRS-E11 %s runs on the linear engine", (pattern) => {
    expect(checkPattern(pattern)).toEqual({ safe: true, engine: "linear" });
  });

  it("MRS-E11 tool schemas from public projects register, and check their values", () => {
    for (const name of ["pubspec.json", "github-action.json", "stackblitzrc.json", "one-changelog-schema-0.1.json"]) {
      const schema = schemaFile(name);
      const payload = {
        registration_metadata: {
          module_name: "corpus",
          module_version: "1.0.0",
          registered_at: "2025-12-01T00:00:00Z",
        },
        capabilities: [{ action: "a", description: "d", input_schema: schema, output_schema: { type: "object" } }],
      };
      expect(validateRegistration(payload).errors, name).toEqual([]);
    }
    const pubspec = compileSchema(schemaFile("pubspec.json"));
    expect(pubspec.check({ name: "app", environment: { sdk: ">=2.12.0 <3.0.0" } }, "INPUT_INVALID")).toEqual({
      valid: true,
    });
    expect(pubspec.check({ name: "app", environment: { sdk: "two" } }, "INPUT_INVALID").valid).toBe(false);
  });

  it("MRS-E11 the pubspec pattern validates a 5,000-character hostile input quickly", () => {
    const validator = compileSchema(schemaFile("pubspec.json"));
    const hostile = `${">=1.1.1-1".repeat(556)} !`;
    expect(hostile.length).toBeGreaterThanOrEqual(5000);
    const started = performance.now();
    expect(validator.check({ name: "app", environment: { sdk: hostile } }, "INPUT_INVALID").valid).toBe(false);
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
  });

  it.each([
    ["^(a+)+$", "a", "!"],
    ["^(a|a)*$", "a", "!"],
    [PUBSPEC, ">=1.1.1-1", " !"],
  ])("MRS-E11 %s is accepted and checks 100 KB of hostile input in well under a second", (pattern, unit, tail) => {
    const validator = compileSchema({ type: "object", properties: { v: { type: "string", pattern } } });
    const hostile = `${unit.repeat(Math.ceil(100_000 / unit.length))}${tail}`;
    const started = performance.now();
    expect(validator.check({ v: hostile }, "INPUT_INVALID").valid).toBe(false);
    expect(performance.now() - started).toBeLessThan(WELL_UNDER_A_SECOND_MS);
  });
});
