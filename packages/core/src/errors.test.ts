import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, mrsError, mrsWarning, toPointer, WARNING_CODES } from "./errors.js";

const RULES = readFileSync(new URL("../../../../shared/design/RULES.md", import.meta.url), "utf8");
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
    if (cells.length < 4 || rule === undefined || !/^[ESIA]\d+b?$/.test(rule)) continue;
    const last = cells[cells.length - 2] ?? "";
    const codes = [...last.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] as string);
    const isWarning = /\bwarning\b/i.test(last);
    rows.push({ rule, errors: isWarning ? [] : codes, warnings: isWarning ? codes : [] });
  }
  return rows;
}

const rows = ruleRows(RULES);
const documentedErrors = rows.flatMap((row) => row.errors.map((code) => ({ code, rule: row.rule })));
const documentedWarnings = rows.flatMap((row) => row.warnings.map((code) => ({ code, rule: row.rule })));
const registry = [
  ...Object.entries(ERROR_CODES).map(([code, info]) => ({ code, kind: "error", ...info })),
  ...Object.entries(WARNING_CODES).map(([code, info]) => ({ code, kind: "warning", ...info })),
] as { code: string; kind: "error" | "warning"; rule: string; description: string; operational?: true }[];

describe("the error registry and RULES.md agree (STYLE.md 8)", () => {
  it("reads the rule tables of RULES.md (E, S, I and A rules, with their codes)", () => {
    expect(rows.map((row) => row.rule)).toEqual(
      expect.arrayContaining(["E1", "E9b", "E12", "S1", "S11", "I1", "I2", "A3"]),
    );
    expect(documentedErrors.length).toBeGreaterThanOrEqual(20);
    expect(documentedWarnings).toEqual([{ code: "UNKNOWN_FORMAT", rule: "E9b" }]);
  });

  it("every error code of RULES.md exists in ERROR_CODES with the same rule", () => {
    for (const { code, rule } of documentedErrors) {
      expect(ERROR_CODES, code).toHaveProperty(code);
      expect(ERROR_CODES[code as keyof typeof ERROR_CODES].rule, code).toBe(rule);
    }
  });

  it("every warning code of RULES.md exists in WARNING_CODES with the same rule", () => {
    for (const { code, rule } of documentedWarnings) {
      expect(WARNING_CODES, code).toHaveProperty(code);
      expect(WARNING_CODES[code as keyof typeof WARNING_CODES].rule, code).toBe(rule);
    }
  });

  it("every registry code not marked operational is in RULES.md, on its rule's row", () => {
    for (const entry of registry.filter((entry) => !entry.operational)) {
      const documented = entry.kind === "error" ? documentedErrors : documentedWarnings;
      expect(documented, entry.code).toContainEqual({ code: entry.code, rule: entry.rule });
    }
  });

  it("operational codes are not in RULES.md, and cite a rule that is", () => {
    const ruleIds = new Set(rows.map((row) => row.rule));
    for (const entry of registry.filter((entry) => entry.operational)) {
      expect(
        documentedErrors.map((documented) => documented.code),
        entry.code,
      ).not.toContain(entry.code);
      expect(ruleIds.has(entry.rule), `${entry.code} cites ${entry.rule}`).toBe(true);
    }
  });

  it("no code is listed twice, in RULES.md or across the error and warning registries", () => {
    const listed = [...documentedErrors, ...documentedWarnings].map((entry) => entry.code);
    expect(new Set(listed).size).toBe(listed.length);
    const shared = Object.keys(ERROR_CODES).filter((code) => Object.hasOwn(WARNING_CODES, code));
    expect(shared).toEqual([]);
  });

  it("every code has a one-line description", () => {
    for (const entry of registry) {
      expect(entry.description.trim().length, entry.code).toBeGreaterThan(10);
      expect(entry.description, entry.code).not.toContain("\n");
    }
  });

  it("the package README lists every code with its rule, and no other", () => {
    const section = README.slice(README.indexOf("## Error codes"));
    const listed = [
      ...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (?:warning|error) \| (E\d+b?|S\d+|I\d+|A\d+) \|/gm),
    ].map((match) => ({ code: match[1], rule: match[2] }));
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
