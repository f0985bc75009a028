import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Format } from "typebox/format";
import Schema from "typebox/schema";
import { describe, expect, it } from "vitest";
import { knownFormats } from "../validate.js";
import { checkPattern } from "./regex-safety.js";
import { isSchemaObject } from "./schema-walk.js";

/**
 * A hang guard, not a speed claim (speed lives in `pnpm bench`): catastrophic backtracking on
 * these inputs would take minutes to hours, so a bound this loose only separates "finishes"
 * from "hangs", even on a loaded 2-core CI machine.
 */
const HANG_GUARD_MS = 10_000;

// The engine's format checks live in typebox/build/format, one module per format, each with its
// regular expressions as `const NAME = /.../flags;` (TypeBox 1.4.3).
const formatDirectory = dirname(createRequire(import.meta.url).resolve("typebox/format"));
const formatRegexps = readdirSync(formatDirectory)
  .filter((file) => file.endsWith(".mjs"))
  .flatMap((file) =>
    [...readFileSync(join(formatDirectory, file), "utf8").matchAll(/^const (\w+) = \/(.+)\/([a-z]*);$/gm)].map(
      ([, name, source, flags]) => ({ file, name: name as string, source: source as string, flags: flags as string }),
    ),
  );

describe("the formats' own regular expressions (MRS-E11, MRS-I2)", () => {
  it("MRS-E11 found the format regular expressions to check (the extraction still matches TypeBox)", () => {
    expect(formatRegexps.length).toBeGreaterThanOrEqual(18);
    expect(formatRegexps.map((regexp) => regexp.file)).toEqual(
      expect.arrayContaining(["email.mjs", "uri.mjs", "ipv6.mjs"]),
    );
  });

  it.each(formatRegexps)(
    "MRS-E11 the $file regular expression $name passes the backtracking analysis (TypeBox runs it on V8)",
    (regexp) => {
      // Longer than a schema pattern may be (uri's is 3,000 characters, with over 100 repetitions), so
      // the size limits are raised; every other criterion is the one applied to patterns in schemas.
      const limits = { maxLength: 20_000, maxQuantifiers: 1000 };
      expect(checkPattern(regexp.source, { flags: regexp.flags, linear: false, ...limits })).toEqual({
        safe: true,
        engine: "backtracking",
      });
    },
  );

  it("MRS-E11 the meta-schemas' own patterns pass the analysis", () => {
    const patterns: string[] = [];
    const stack: unknown[] = Object.values(Schema.Meta).map((meta) => meta);
    for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
      if (Array.isArray(value)) stack.push(...value);
      else if (isSchemaObject(value)) {
        if (typeof value.pattern === "string") patterns.push(value.pattern);
        stack.push(...Object.values(value));
      }
    }
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) {
      expect(checkPattern(pattern, { linear: false }), pattern).toEqual({ safe: true, engine: "backtracking" });
    }
  });

  // Each unit repeated to 50,000 characters, after each prefix, then a character that makes the
  // value fail: the shape of input that makes a backtracking check slow if it can be.
  const UNITS = [
    "a",
    "1",
    "-",
    ".",
    "a.",
    "a-",
    ":",
    "1:",
    "%",
    "%4",
    "@",
    "a@",
    "/",
    "~",
    "{",
    "a{",
    '"',
    "\\",
    "xn--",
    "é",
    "0.",
    "P1",
    "+",
    " ",
    "::",
    "#/",
    "a1.",
  ];
  const PREFIXES = ["", "a", "a@", "http://", "1999-01-01T", "P", "/", "#", '"', "[", "a:"];

  it.each(knownFormats())("MRS-I2 the %s check stays fast on long hostile strings", (format) => {
    const check = Format.Get(format);
    expect(check).toBeTypeOf("function");
    let slowest = 0;
    for (const unit of UNITS) {
      for (const prefix of PREFIXES) {
        const value = `${prefix}${unit.repeat(Math.ceil(50_000 / unit.length))}\u0000`;
        const started = performance.now();
        check?.(value);
        slowest = Math.max(slowest, performance.now() - started);
      }
    }
    expect(slowest).toBeLessThan(HANG_GUARD_MS);
  });
});
