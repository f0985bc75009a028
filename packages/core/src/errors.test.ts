import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, MrsFailure, mrsError, mrsWarning, toPointer, WARNING_CODES } from "./errors.js";

const RULES = readFileSync(new URL("../../../docs/RULES.md", import.meta.url), "utf8");
const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

interface RuleRow {
  readonly rule: string;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Every table row of RULES.md whose first cell is a rule id (`| E3 | ... |`), with the codes of
 * its last cell: upper-case names in backticks, warnings when the cell says "warning". Lower-case
 * outcomes (`accepted`, `upgraded`) are not codes.
 */
function ruleRows(markdown: string): RuleRow[] {
  const rows: RuleRow[] = [];
  for (const line of markdown.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const rule = cells[1];
    if (cells.length < 4 || rule === undefined || !/^[A-Z]\d+b?$/.test(rule)) continue;
    const last = cells[cells.length - 2] ?? "";
    const codes = [...last.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] as string);
    // "warning or error `X`" (C2): the code is both, by policy.
    const both = /\bwarning or error\b/i.test(last);
    const isWarning = /\bwarning\b/i.test(last);
    rows.push({ rule, errors: isWarning && !both ? [] : codes, warnings: isWarning ? codes : [] });
  }
  return rows;
}

/**
 * Codes that docs/RULES.md documents for rules the code does not implement yet, each with the
 * open issue that builds it. The list can only shrink: a code listed here that appears in the
 * registry fails the test below, so building a rule means deleting its line.
 */
const NOT_YET_BUILT: Readonly<Record<string, string>> = {};

const rows = ruleRows(RULES);
const ruleIds = new Set(rows.map((row) => row.rule));
/** Every row that lists each code: a code may be listed by several rules (`UNAUTHORIZED`: L7 and A1). */
function rowsListing(kind: "errors" | "warnings"): Map<string, string[]> {
  const listing = new Map<string, string[]>();
  for (const row of rows) {
    for (const code of row[kind]) listing.set(code, [...(listing.get(code) ?? []), row.rule]);
  }
  return listing;
}
const documentedErrors = rowsListing("errors");
const documentedWarnings = rowsListing("warnings");
const registry = [
  ...Object.entries(ERROR_CODES).map(([code, info]) => ({ code, kind: "error", ...info })),
  ...Object.entries(WARNING_CODES).map(([code, info]) => ({ code, kind: "warning", ...info })),
] as { code: string; kind: "error" | "warning"; rule: string; description: string; operational?: true }[];
const registered = new Set(registry.map((entry) => entry.code));

describe("the error registry and docs/RULES.md agree (STYLE.md 8)", () => {
  it("reads the rule tables of RULES.md (every family, with their codes)", () => {
    for (const id of [
      "E1",
      "E9b",
      "E12",
      "S1",
      "S11",
      "R1",
      "R3",
      "L1",
      "L7",
      "C1",
      "C4",
      "I1",
      "I2",
      "H1",
      "H2",
      "A3",
    ]) {
      expect(ruleIds, id).toContain(id);
    }
    expect(documentedErrors.size).toBeGreaterThanOrEqual(30);
    expect(documentedWarnings.get("UNKNOWN_FORMAT")).toEqual(["E9b"]);
    expect(documentedErrors.get("UNAUTHORIZED")).toEqual(["L7", "A1"]);
  });

  it("every error code of RULES.md exists in ERROR_CODES, citing one of the rules that list it", () => {
    for (const [code, rules] of documentedErrors) {
      if (Object.hasOwn(NOT_YET_BUILT, code)) continue;
      expect(ERROR_CODES, code).toHaveProperty(code);
      expect(rules, code).toContain(ERROR_CODES[code as keyof typeof ERROR_CODES].rule);
    }
  });

  it("every warning code of RULES.md exists in WARNING_CODES, citing one of the rules that list it", () => {
    for (const [code, rules] of documentedWarnings) {
      if (Object.hasOwn(NOT_YET_BUILT, code)) continue;
      expect(WARNING_CODES, code).toHaveProperty(code);
      expect(rules, code).toContain(WARNING_CODES[code as keyof typeof WARNING_CODES].rule);
    }
  });

  it("codes not built yet are documented in RULES.md and absent from the registry (the list only shrinks)", () => {
    for (const [code, why] of Object.entries(NOT_YET_BUILT)) {
      expect(documentedErrors.has(code) || documentedWarnings.has(code), `${code} (${why})`).toBe(true);
      expect(registered.has(code), `${code} is built now: remove it from NOT_YET_BUILT`).toBe(false);
    }
  });

  it("every registry code not marked operational is in RULES.md, on its rule's row", () => {
    for (const entry of registry.filter((entry) => !entry.operational)) {
      const documented = entry.kind === "error" ? documentedErrors : documentedWarnings;
      expect(documented.get(entry.code) ?? [], entry.code).toContain(entry.rule);
    }
  });

  it("operational codes are not in RULES.md, and cite a rule that is", () => {
    for (const entry of registry.filter((entry) => entry.operational)) {
      expect(documentedErrors.has(entry.code) || documentedWarnings.has(entry.code), entry.code).toBe(false);
      expect(ruleIds.has(entry.rule), `${entry.code} cites ${entry.rule}`).toBe(true);
    }
  });

  it("a code is both an error and a warning only where RULES.md says so (C2: by policy)", () => {
    const documentedBoth = [...documentedErrors.keys()].filter((code) => documentedWarnings.has(code));
    expect(documentedBoth).toEqual(["BREAKING_CHANGE_UNDECLARED"]);
    const shared = Object.keys(ERROR_CODES).filter((code) => Object.hasOwn(WARNING_CODES, code));
    expect(shared).toEqual(documentedBoth);
  });

  it("every code has a one-line description", () => {
    for (const entry of registry) {
      expect(entry.description.trim().length, entry.code).toBeGreaterThan(10);
      expect(entry.description, entry.code).not.toContain("\n");
    }
  });

  it("the package README lists every code with its rule, and no other", () => {
    const section = README.slice(README.indexOf("## Error codes"));
    const listed = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (?:warning|error) \| ([A-Z]\d+b?) \|/gm)].map(
      (match) => ({ code: match[1], rule: match[2] }),
    );
    expect(listed.sort((a, b) => String(a.code).localeCompare(String(b.code)))).toEqual(
      registry.map(({ code, rule }) => ({ code, rule })).sort((a, b) => a.code.localeCompare(b.code)),
    );
  });
});

describe("error helpers", () => {
  it("mrsError and mrsWarning fill the rule from the registry", () => {
    expect(mrsError("INVALID_VERSION", "/registration_metadata/module_version", "bad", { hint: "use 1.0.0" })).toEqual({
      code: "INVALID_VERSION",
      rule: "E4",
      pointer: "/registration_metadata/module_version",
      message: "bad",
      hint: "use 1.0.0",
    });
    expect(mrsWarning("UNKNOWN_FORMAT", "/f", "unknown")).toEqual({
      code: "UNKNOWN_FORMAT",
      rule: "E9b",
      pointer: "/f",
      message: "unknown",
    });
  });

  it("toPointer escapes ~ and / as RFC 6901 says", () => {
    expect(toPointer(["capabilities", 0, "a/b~c"])).toBe("/capabilities/0/a~1b~0c");
    expect(toPointer([])).toBe("");
  });
});

describe("MrsFailure across copies of the package", () => {
  it("instanceof holds for a failure made by another copy (a brand, not the class object)", () => {
    const brand = Symbol.for("@rune/mrs-core.MrsFailure");
    // What a second copy of core (another install, or the other build format) throws.
    const fromAnotherCopy = Object.assign(new Error("STORE_CORRUPT"), {
      name: "MrsFailure",
      errors: [mrsError("STORE_CORRUPT", "", "bad")],
      [brand]: true,
    });
    expect(fromAnotherCopy instanceof MrsFailure).toBe(true);
    expect(new MrsFailure([mrsError("STORE_UNAVAILABLE", "", "down")]) instanceof MrsFailure).toBe(true);
    expect(new Error("plain") instanceof MrsFailure).toBe(false);
    expect(Object.assign(new Error("x"), { name: "MrsFailure" }) instanceof MrsFailure).toBe(false);
  });
});
