import { type AST, RegExpParser } from "@eslint-community/regexpp";
import { RE2JS } from "re2js";
import type { CharSet } from "refa";
import { toCharSet } from "regexp-ast-analysis";
import { MAX_LINEAR_PROGRAM_SIZE, MAX_LINEAR_REPEAT } from "./limits.js";

/**
 * Running a schema's regular expressions on a linear-time engine (RULES.md E11).
 *
 * JSON Schema patterns are ECMA-262 regular expressions; the engine runs them with the `u` flag.
 * RE2 (here `re2js`, a pure JavaScript port of RE2/J) matches in time linear in its input, but
 * reads some constructs differently from ECMAScript: `\s` (no `\v`, no Unicode spaces), `.`
 * (ECMAScript excludes `\r`, `\u2028` and `\u2029` too), `$` and `^` (which RE2's multi-line
 * rules do not change here, but are written `\z` and `\A` to be sure), `\p{...}` (another Unicode
 * version). So a pattern is never handed to RE2 as written: it is parsed as ECMAScript (regexpp),
 * every character class, escape and property is turned into the exact set of code points it
 * matches in ECMAScript (regexp-ast-analysis, refa), and an RE2 pattern is written from that,
 * with only ranges of code points, groups, alternations, repetitions, `\A`, `\z`, `\b` and `\B`.
 * What RE2 cannot express (lookarounds, backreferences) is reported, never approximated.
 */

export { MAX_LINEAR_PROGRAM_SIZE, MAX_LINEAR_REPEAT };

/** Why a pattern cannot run on the linear engine, naming the construct. */
export interface LinearUnsupported {
  readonly ok: false;
  /** The construct, as written in the pattern (`(?=-)`, `\1`, `a{2000}`), or a description. */
  readonly construct: string;
  /** Completes "the linear engine cannot run it: ...". */
  readonly reason: string;
}

/** A pattern rewritten for RE2, with the same meaning as the ECMAScript pattern under the `u` flag. */
export interface LinearTranslation {
  readonly ok: true;
  /** The RE2 syntax. */
  readonly source: string;
  /** An upper bound on the RE2 program's size, in instructions. */
  readonly size: number;
}

class Unsupported extends Error {
  constructor(
    readonly construct: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const UNICODE_FLAGS: AST.Flags = {
  type: "Flags",
  raw: "u",
  start: 0,
  end: 1,
  parent: null,
  dotAll: false,
  global: false,
  hasIndices: false,
  ignoreCase: false,
  multiline: false,
  sticky: false,
  unicode: true,
  unicodeSets: false,
};

/**
 * Rewrites an ECMAScript pattern (read with the `u` flag, as the schema engine reads it) into
 * RE2 syntax with the same meaning, or says which construct RE2 cannot run. Throws what regexpp
 * throws for a pattern that is not valid ECMAScript: callers check validity first.
 *
 * @example
 * toLinear("^\\s+$") // { ok: true, source: "\\A[\\x{9}-\\x{d} \\x{a0}...]+\\z", size: ... }
 * toLinear("^(?!-)") // { ok: false, construct: "(?!-)", reason: "..." }
 */
export function toLinear(source: string): LinearTranslation | LinearUnsupported {
  const parser = new RegExpParser({ ecmaVersion: 2024 });
  const pattern = parser.parsePattern(source, 0, source.length, { unicode: true });
  try {
    const written = new Writer();
    const text = written.alternatives(pattern.alternatives, 1, 1);
    return { ok: true, source: text, size: written.size };
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, construct: error.construct, reason: error.reason };
    throw error;
  }
}

class Writer {
  /** Instructions so far: each character class, assertion and alternative costs about one, repeated as RE2 repeats it. */
  size = 0;

  alternatives(alternatives: readonly AST.Alternative[], multiplier: number, repeats: number): string {
    this.grow(alternatives.length - 1, multiplier);
    return alternatives
      .map((alternative) => alternative.elements.map((element) => this.element(element, multiplier, repeats)).join(""))
      .join("|");
  }

  private element(element: AST.Element, multiplier: number, repeats: number): string {
    switch (element.type) {
      case "Assertion":
        return this.assertion(element, multiplier);
      case "Backreference":
        throw new Unsupported(
          element.raw,
          `the backreference ${element.raw} needs the backtracking engine (the linear engine, RE2, has none)`,
        );
      case "CapturingGroup":
      case "Group":
        return `(?:${this.alternatives(element.alternatives, multiplier, repeats)})`;
      case "Quantifier":
        return this.quantifier(element, multiplier, repeats);
      case "Character":
      case "CharacterClass":
      case "CharacterSet":
        this.grow(1, multiplier);
        return writeCharSet(toCharSet(element as Parameters<typeof toCharSet>[0], UNICODE_FLAGS));
      case "ExpressionCharacterClass":
        // Only with the `v` flag, which the engine does not use.
        throw new Unsupported(
          element.raw,
          `the class ${element.raw} needs the v flag, so it needs the backtracking engine`,
        );
    }
  }

  private assertion(assertion: AST.Assertion, multiplier: number): string {
    switch (assertion.kind) {
      case "start":
        this.grow(1, multiplier);
        return "\\A";
      case "end":
        this.grow(1, multiplier);
        return "\\z";
      case "word":
        // ECMAScript's \b without the i flag uses the ASCII word characters, as RE2's does.
        this.grow(1, multiplier);
        return assertion.negate ? "\\B" : "\\b";
      case "lookahead":
      case "lookbehind":
        throw new Unsupported(
          assertion.raw,
          `the ${assertion.kind} ${assertion.raw} needs the backtracking engine (the linear engine, RE2, has no lookarounds)`,
        );
    }
  }

  private quantifier(quantifier: AST.Quantifier, multiplier: number, repeats: number): string {
    const { min, max } = quantifier;
    const finite = max !== Number.POSITIVE_INFINITY;
    // RE2 counts `{n,m}` (not `*`, `+`, `?`) by m, or n when open: each at most 1,000, and so
    // the product of nested counts.
    const counted = quantifier.raw.endsWith("}");
    const count = counted ? (finite ? max : min) : 1;
    const product = repeats * Math.max(1, count);
    if (count > MAX_LINEAR_REPEAT || product > MAX_LINEAR_REPEAT) {
      const shown = quantifierText(min, max);
      throw new Unsupported(
        count > MAX_LINEAR_REPEAT ? shown : quantifier.raw.length > 40 ? shown : quantifier.raw,
        count > MAX_LINEAR_REPEAT
          ? `the repetition ${shown} counts past the ${MAX_LINEAR_REPEAT.toLocaleString("en")} the linear engine (RE2) allows, so it needs the backtracking engine`
          : `nested repetitions count past the ${MAX_LINEAR_REPEAT.toLocaleString("en")} the linear engine (RE2) allows (their counts multiply), so it needs the backtracking engine`,
      );
    }
    // RE2 expands counted repetitions into copies of their body; `*`, `+` and `?` cost one copy.
    const copies = Math.max(1, min, finite ? max : min + 1);
    const body = this.element(quantifier.element, multiplier * copies, product);
    this.grow(1, multiplier);
    return `(?:${body})${quantifierText(min, max)}`;
  }

  private grow(instructions: number, multiplier: number): void {
    this.size += instructions * multiplier;
    if (this.size > MAX_LINEAR_PROGRAM_SIZE) {
      throw new Unsupported(
        "its size",
        `its RE2 program would pass the ${MAX_LINEAR_PROGRAM_SIZE.toLocaleString("en")} instructions the linear engine runs, so it needs the backtracking engine`,
      );
    }
  }
}

function quantifierText(min: number, max: number): string {
  if (max === Number.POSITIVE_INFINITY) return min === 0 ? "*" : min === 1 ? "+" : `{${min},}`;
  if (min === 0 && max === 1) return "?";
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

const MAX_CODE_POINT = 0x10ffff;

/** A set of code points as an RE2 class, written with plain ASCII letters and digits and `\x{...}` for the rest. */
function writeCharSet(set: CharSet): string {
  const ranges = set.ranges;
  if (ranges.length === 0) return `[^\\x{0}-\\x{${MAX_CODE_POINT.toString(16)}}]`;
  const first = ranges[0];
  if (ranges.length === 1 && first && first.min === first.max) return writeCodePoint(first.min);
  const body = ranges
    .map(({ min, max }) =>
      min === max
        ? writeCodePoint(min)
        : max === min + 1
          ? `${writeCodePoint(min)}${writeCodePoint(max)}`
          : `${writeCodePoint(min)}-${writeCodePoint(max)}`,
    )
    .join("");
  return `[${body}]`;
}

function writeCodePoint(code: number): string {
  const plain =
    (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
  return plain ? String.fromCharCode(code) : `\\x{${code.toString(16)}}`;
}

/** A compiled pattern: `test` answers whether it matches anywhere in the string, in linear time. */
export interface LinearMatcher {
  readonly source: string;
  test(input: string): boolean;
  /** The first match (leftmost; RE2 prefers the same alternatives and repetitions ECMAScript does), or `null`. */
  find(input: string): { readonly index: number; readonly text: string } | null;
}

const CACHE_LIMIT = 10_000;
const matchers = new Map<string, LinearMatcher | LinearUnsupported>();

/**
 * How many compiled RE2 programs are kept at once (about 5 to 20 KiB each). A matcher whose
 * program was let go compiles it again on its next use (about 0.2 ms), so that a registry holding
 * many large schemas, or a payload built of thousands of patterns, cannot make programs pile up.
 */
export const MAX_COMPILED_PROGRAMS = 2000;
const compiledPrograms = new Set<Program>();

/** An RE2 program compiled on first use and let go when {@link MAX_COMPILED_PROGRAMS} newer ones are kept. */
class Program {
  #compiled: RE2JS | undefined;

  constructor(private readonly source: string) {}

  get(): RE2JS {
    let compiled = this.#compiled;
    if (!compiled) {
      compiled = RE2JS.compile(this.source);
      this.#compiled = compiled;
      compiledPrograms.add(this);
      if (compiledPrograms.size > MAX_COMPILED_PROGRAMS) {
        const oldest = compiledPrograms.values().next().value as Program;
        compiledPrograms.delete(oldest);
        oldest.#compiled = undefined;
      }
    }
    return compiled;
  }
}

/**
 * The linear-time matcher of an ECMAScript pattern (cached by source), or why the linear engine
 * cannot run it. Throws for a pattern that is not valid ECMAScript with the `u` flag.
 */
export function linearMatcher(source: string): LinearMatcher | LinearUnsupported {
  const cached = matchers.get(source);
  if (cached) return cached;
  const translated = toLinear(source);
  let result: LinearMatcher | LinearUnsupported;
  if (translated.ok) {
    const program = new Program(translated.source);
    try {
      // Compiled now to know that RE2 takes it; kept while it is among the most recent.
      program.get();
      result = {
        source,
        test: (input) => program.get().test(input),
        find: (input) => {
          const matcher = program.get().matcher(input);
          return matcher.find() ? { index: matcher.start(), text: matcher.group() ?? "" } : null;
        },
      };
    } catch (error) {
      // The translation only writes what RE2 reads; this is a limit of RE2 the estimate missed.
      const message = error instanceof Error ? error.message : String(error);
      result = {
        ok: false,
        construct: "the construct RE2 refuses",
        reason: `the linear engine (RE2) refuses it (${message}), so it needs the backtracking engine`,
      };
    }
  } else {
    result = translated;
  }
  if (matchers.size >= CACHE_LIMIT) matchers.delete(matchers.keys().next().value as string);
  matchers.set(source, result);
  return result;
}

/** True for a matcher, false for the reason a pattern cannot run on the linear engine. */
export function isLinearMatcher(value: LinearMatcher | LinearUnsupported): value is LinearMatcher {
  return !("ok" in value);
}

/**
 * A `RegExp` whose matching runs on the linear engine. TypeBox's `pattern` keyword takes a
 * `RegExp` as well as a string and calls its `test`; the compiled copy of a schema carries one of
 * these in place of each pattern string, so every check runs on RE2 while errors keep the
 * `pattern` keyword and pointer. `exec` goes through RE2 too (the whole match and its index, without groups), so no path of
 * RegExp's falls back on the backtracking engine.
 */
export class LinearRegExp extends RegExp {
  readonly #matcher: LinearMatcher;

  constructor(matcher: LinearMatcher) {
    // V8 parses (never runs) the ECMAScript source here; the engine's schemas are valid with `u`.
    super(matcher.source, "u");
    this.#matcher = matcher;
  }

  override test(input: string): boolean {
    return this.#matcher.test(String(input));
  }

  override exec(input: string): RegExpExecArray | null {
    const text = String(input);
    const found = this.#matcher.find(text);
    if (!found) return null;
    const result = [found.text] as unknown as RegExpExecArray;
    result.index = found.index;
    result.input = text;
    return result;
  }
}
