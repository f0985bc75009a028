import { NAME_PATTERN, SEMVER_PATTERN, UTC_TIMESTAMP_PATTERN } from "@rune/mrs-schema";
import { describe, expect, it } from "vitest";
import { checkPattern } from "./regex-safety.js";

/**
 * A hang guard, not a speed claim (speed lives in `pnpm bench`): catastrophic backtracking on
 * these inputs would take minutes to hours, so a bound this loose only separates "finishes"
 * from "hangs", even on a loaded 2-core CI machine.
 */
const HANG_GUARD_MS = 10_000;

// Each one is known to run for seconds in V8 on some input of a few dozen to a few thousand
// characters (measured when the checker was chosen), or uses a feature that cannot be bounded.
const CATASTROPHIC = [
  "^(a+)+$",
  "(a+)+",
  "(a|a)*",
  "(a*)*",
  "^(a|a)*$",
  "^(a|aa)+$",
  "(x+x+)+y",
  "^(\\w+\\s?)*$",
  "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
  "(.*a){12}",
  "^(a?){25}a{25}$",
  "\\d*\\d*\\d*x",
  "^.*a.*a.*a.*$",
  "^a{0,9}a{0,9}a{0,9}a{0,9}a{0,9}a{0,9}a{0,9}a{0,9}$",
  "(a{0,9}){30}$",
  "a+b",
  "[a-z]+1",
  "\\S+@\\S+\\.\\S+",
  "((a|a)b)*c",
  "(\\w|\\d)+$",
  "(?=(a+)+$)",
  "(.*){1,32000}[bc]",
  "(a|)*$",
  "^(aa?)+$",
  "^(a{1,2})+$",
  "^(a[ab]?)+$",
  "((a+)?)+$",
  "^(a?a?)+$",
  "^(a+)\\1$",
];

// Patterns of the kind real schemas use: none may be refused.
const ORDINARY = [
  "^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$",
  "^\\d{4}-\\d{2}-\\d{2}$",
  "^[A-Z]{2}$",
  "^[^@]+@[^@]+$",
  "^(\\([0-9]{3}\\))?[0-9]{3}-[0-9]{4}$",
  "^\\d{3}-?\\d{4}$",
  "^[A-Z]{2}\\d{2}[A-Z0-9]{1,30}$",
  "^x-",
  "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$",
  "^https?://",
  "^\\S+$",
  "[0-9]+",
  "\\d{4}",
  "^[a-z]+(-[a-z]+)*$",
  "a+",
  "^.*$",
  "foo|bar",
  "^\\p{L}+$",
  "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
  "^[A-Za-z0-9+/]*={0,2}$",
  "^(?:[01]\\d|2[0-3]):[0-5]\\d$",
  "^/[a-z0-9/_-]*$",
  "^#[0-9a-fA-F]{6}$",
  "^\\+?[1-9]\\d{1,14}$",
  "^(?:https?|ftp)://[^\\s/$.?#].[^\\s]*$",
  "^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$",
  "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$",
  "^arn:aws:[a-z0-9-]+:[a-z0-9-]*:\\d{12}:.+$",
  "^\\d+(\\.\\d+)?(ms|s|m|h)$",
  "^(debug|info|warn|error)$",
  "^(?:\\d{1,3}\\.){3}\\d{1,3}$",
  "^-?\\d+(\\.\\d+)?$",
  // The SemVer 2.0.0 pattern of semver.org, the one @rune/mrs-schema uses for E4.
  SEMVER_PATTERN,
  NAME_PATTERN,
  UTC_TIMESTAMP_PATTERN,
];

describe("checkPattern (MRS-E11 regular expressions)", () => {
  it.each(CATASTROPHIC)("MRS-E11 refuses the catastrophic pattern %s", (pattern) => {
    const verdict = checkPattern(pattern);
    expect(verdict.safe).toBe(false);
  });

  it.each(ORDINARY)("MRS-E11 accepts the ordinary pattern %s", (pattern) => {
    expect(checkPattern(pattern)).toEqual({ safe: true });
  });

  it("MRS-E11 refuses patterns that are invalid with the engine's Unicode flag, saying why", () => {
    for (const pattern of ["[", "(a", "a{2,1}", "\\-", "a**", "(?<n>a)(?<n>b)"]) {
      const verdict = checkPattern(pattern);
      expect(verdict.safe, pattern).toBe(false);
      if (!verdict.safe) expect(verdict.reason, pattern).toMatch(/not a valid regular expression/);
    }
  });

  it("MRS-E11 refuses backreferences, which no analysis can bound", () => {
    const verdict = checkPattern("^(a|b)\\1$");
    expect(verdict).toMatchObject({ safe: false, reason: expect.stringMatching(/backreference/) });
  });

  it("MRS-E11 refuses a pattern longer than the limit before analysing it", () => {
    expect(checkPattern("a".repeat(1001)).safe).toBe(false);
    expect(checkPattern("a".repeat(1001), { maxLength: 2000 }).safe).toBe(true);
  });

  it("MRS-E11 names the offending repetition and offers a fix when there is one", () => {
    const verdict = checkPattern("^(a+)+$");
    expect(verdict).toMatchObject({ safe: false, reason: expect.stringContaining("a+") });
    if (!verdict.safe) expect(verdict.hint).toBeTruthy();
  });

  it("MRS-E11 refuses a pattern with more repetitions than can be analysed quickly", () => {
    expect(checkPattern(".*x".repeat(65))).toMatchObject({
      safe: false,
      reason: expect.stringMatching(/65 repetitions/),
    });
  });

  it("MRS-E11 refuses, without analysing or caching it, a pattern met past the caller's deadline", () => {
    const pattern = "^[a-z]+-late$";
    expect(checkPattern(pattern, { deadline: performance.now() - 1 })).toMatchObject({
      safe: false,
      reason: expect.stringMatching(/not analysed/),
    });
    expect(checkPattern(pattern)).toEqual({ safe: true });
  });

  it("MRS-E11 gives the same verdict every time (cached, deterministic)", () => {
    const first = checkPattern("^(a|aa)+$");
    expect(checkPattern("^(a|aa)+$")).toBe(first);
  });

  it("MRS-E11 every ordinary pattern really runs fast on long hostile inputs", () => {
    const inputs = ["a", "1", "-", ".", "a.", "a-", "@", " ", "aa1", "0."].map((unit) => `${unit.repeat(20_000)}!`);
    for (const pattern of ORDINARY) {
      const regexp = new RegExp(pattern, "u");
      const started = performance.now();
      for (const input of inputs) regexp.test(input);
      expect(performance.now() - started, pattern).toBeLessThan(HANG_GUARD_MS);
    }
  });

  it("MRS-E11 analyses a hard 1,000-character pattern within a bounded time", () => {
    const hard = `^${"[\\p{L}\\p{N}]*x".repeat(60)}$`.slice(0, 1000);
    const started = performance.now();
    checkPattern(hard);
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
  });
});
