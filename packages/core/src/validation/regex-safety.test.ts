import { NAME_PATTERN, SEMVER_PATTERN, UTC_TIMESTAMP_PATTERN } from "@rune/mrs-schema";
import { describe, expect, it } from "vitest";
import { linearMatcher } from "./linear-regex.js";
import { checkPattern } from "./regex-safety.js";

/**
 * A hang guard, not a speed claim (speed lives in `pnpm bench`): catastrophic backtracking on
 * these inputs would take minutes to hours, so a bound this loose only separates "finishes"
 * from "hangs", even on a loaded 2-core CI machine.
 */
const HANG_GUARD_MS = 10_000;

// Each one is known to run for seconds in V8 on some input of a few dozen to a few thousand
// characters (measured when the checker was chosen), or uses a feature that cannot be bounded.
// On the linear engine all but those in NOT_LINEAR run in linear time; the backtracking
// analysis, kept for the patterns RE2 cannot run, must still refuse every one.
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

// A lookahead, a count past RE2's limit of 1,000, a backreference: RE2 cannot run them.
const NOT_LINEAR = ["(?=(a+)+$)", "(.*){1,32000}[bc]", "^(a+)\\1$"];

// Patterns of the kind real schemas use: none may be refused. All run on the linear engine but
// the one with lookarounds, which the analysis proves safe on the backtracking engine.
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
  it.each(CATASTROPHIC.filter((pattern) => !NOT_LINEAR.includes(pattern)))(
    "MRS-E11 accepts %s: it runs on the linear engine",
    (pattern) => {
      expect(checkPattern(pattern)).toEqual({ safe: true, engine: "linear" });
    },
  );

  it.each(NOT_LINEAR)(
    "MRS-E11 refuses %s: the linear engine cannot run it and the analysis cannot prove it safe",
    (pattern) => {
      expect(checkPattern(pattern)).toMatchObject({
        safe: false,
        reason: expect.stringMatching(/backtracking engine/),
      });
    },
  );

  it.each(CATASTROPHIC)("MRS-E11 the backtracking analysis still refuses the catastrophic pattern %s", (pattern) => {
    expect(checkPattern(pattern, { linear: false }).safe).toBe(false);
  });

  it.each(ORDINARY)("MRS-E11 accepts the ordinary pattern %s", (pattern) => {
    expect(checkPattern(pattern)).toEqual({
      safe: true,
      engine: /\(\?<?[=!]/.test(pattern) ? "backtracking" : "linear",
    });
  });

  it("MRS-E11 refuses patterns that are invalid with the engine's Unicode flag, saying why", () => {
    for (const pattern of ["[", "(a", "a{2,1}", "\\-", "a**", "(?<n>a)(?<n>b)"]) {
      const verdict = checkPattern(pattern);
      expect(verdict.safe, pattern).toBe(false);
      if (!verdict.safe) expect(verdict.reason, pattern).toMatch(/not a valid regular expression/);
    }
  });

  it("MRS-E11 refuses a backreference, naming it: the linear engine has none and no analysis can bound one", () => {
    const verdict = checkPattern("^(a|b)\\1$");
    expect(verdict).toMatchObject({ safe: false, reason: expect.stringMatching(/backreference \\1/) });
  });

  it("MRS-E11 refuses a lookaround the analysis cannot prove safe, naming the lookaround and the fault", () => {
    expect(checkPattern("^(?=(a+)+$)")).toMatchObject({
      safe: false,
      reason: expect.stringMatching(/lookahead \(\?=\(a\+\)\+\$\).*backtrack catastrophically/),
    });
    expect(checkPattern("^(?!-)[a-z-]+$")).toEqual({ safe: true, engine: "backtracking" });
  });

  it("MRS-E11 has no length or repetition limit for the linear engine, and keeps them for the backtracking analysis", () => {
    expect(checkPattern("a".repeat(5001))).toEqual({ safe: true, engine: "linear" });
    expect(checkPattern(".*x".repeat(200))).toEqual({ safe: true, engine: "linear" });
    expect(checkPattern(`(?!b)${"a".repeat(1001)}`)).toMatchObject({
      safe: false,
      reason: expect.stringMatching(/1,006 characters long, more than the 1,000/),
    });
    expect(checkPattern(`(?!b)${"a".repeat(1001)}`, { maxLength: 2000 })).toEqual({
      safe: true,
      engine: "backtracking",
    });
    expect(checkPattern(`(?!b)${".*x".repeat(65)}`)).toMatchObject({
      safe: false,
      reason: expect.stringMatching(/65 repetitions/),
    });
  });

  it("MRS-E11 a count past RE2's limit falls back on the analysis: accepted where it proves it safe, refused otherwise", () => {
    expect(checkPattern("^.{1,5000}$")).toEqual({ safe: true, engine: "backtracking" });
    expect(checkPattern("^(a|aa){1,2000}$")).toMatchObject({
      safe: false,
      reason: expect.stringMatching(/repetition \{1,2000\} counts past the 1,000/),
    });
  });

  it("MRS-E11 names the offending repetition and offers a fix when there is one (backtracking analysis)", () => {
    const verdict = checkPattern("^(a+)+$", { linear: false });
    expect(verdict).toMatchObject({ safe: false, reason: expect.stringContaining("a+") });
    if (!verdict.safe) expect(verdict.hint).toBeTruthy();
  });

  it("MRS-E11 refuses, without judging or caching it, a pattern met past the caller's deadline", () => {
    const pattern = "^[a-z]+-late$";
    expect(checkPattern(pattern, { deadline: performance.now() - 1 })).toMatchObject({
      safe: false,
      reason: expect.stringMatching(/not analysed/),
    });
    expect(checkPattern(pattern)).toEqual({ safe: true, engine: "linear" });
  });

  it("MRS-E11 gives the same verdict every time (cached, deterministic)", () => {
    const first = checkPattern("^(?!(a|aa)+$)");
    expect(checkPattern("^(?!(a|aa)+$)")).toBe(first);
  });

  it("MRS-E11 every ordinary pattern really runs fast on long hostile inputs, on the engine it is given", () => {
    const inputs = ["a", "1", "-", ".", "a.", "a-", "@", " ", "aa1", "0."].map((unit) => `${unit.repeat(20_000)}!`);
    for (const pattern of ORDINARY) {
      const linear = linearMatcher(pattern);
      const regexp = "test" in linear ? linear : new RegExp(pattern, "u");
      const started = performance.now();
      for (const input of inputs) regexp.test(input);
      expect(performance.now() - started, pattern).toBeLessThan(HANG_GUARD_MS);
    }
  });

  it("MRS-E11 analyses a hard 1,000-character pattern within a bounded time", () => {
    const hard = `^${"[\\p{L}\\p{N}]*x".repeat(60)}$`.slice(0, 1000);
    const started = performance.now();
    checkPattern(hard, { linear: false });
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
  });
});
