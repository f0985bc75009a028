import { type AST, RegExpParser, visitRegExpAST } from "@eslint-community/regexpp";
import { CharSet, type Concatenation, isDisjointWith, JS, NFA, type NoParent, type Quantifier } from "refa";
import { getFirstCharAfter } from "regexp-ast-analysis";
import { analyse, type Report } from "scslre";
import { MAX_BOUNDED_BACKTRACKING, MAX_PATTERN_LENGTH, MAX_PATTERN_QUANTIFIERS } from "./limits.js";
import { isLinearMatcher, type LinearUnsupported, linearMatcher } from "./linear-regex.js";

/** Where a pattern runs: RE2's linear-time engine, or V8's backtracking one (only where an analysis proves it safe). */
export type PatternEngine = "linear" | "backtracking";

/**
 * The verdict on one regular expression (RULES.md E11): safe, and on which engine it runs, or
 * refused. `reason` completes the sentence "pattern ... is refused: ..."; `hint` says how to fix
 * it when there is an obvious way.
 */
export type PatternVerdict =
  | { readonly safe: true; readonly engine: PatternEngine }
  | { readonly safe: false; readonly reason: string; readonly hint?: string };

/** Options of {@link checkPattern}. */
export interface PatternCheckOptions {
  /**
   * Longest source the backtracking analysis reads; defaults to {@link MAX_PATTERN_LENGTH}. Patterns
   * that run on the linear engine have no length limit but the size of their RE2 program.
   */
  readonly maxLength?: number;
  /** Flags the pattern runs with; defaults to `u`, the flag the schema engine uses. Only `u` patterns run on the linear engine. */
  readonly flags?: string;
  /** Budget for bounded repetitions on the backtracking engine; defaults to {@link MAX_BOUNDED_BACKTRACKING}. */
  readonly maxBoundedBacktracking?: number;
  /** Most repetitions the backtracking analysis reads; defaults to {@link MAX_PATTERN_QUANTIFIERS}. */
  readonly maxQuantifiers?: number;
  /**
   * `false` judges the pattern for the backtracking engine only: for regular expressions that V8
   * runs whatever the schema engine does (the formats' own, the meta-schemas'), and for
   * `patternProperties` the schema engine must run itself (see compiler.ts). Defaults to `true`.
   */
  readonly linear?: boolean;
  /**
   * A `performance.now()` time after which a pattern not judged before is refused rather than
   * judged: the caller's bound on the total time spent on one payload's patterns.
   */
  readonly deadline?: number;
}

const SAFE_LINEAR: PatternVerdict = { safe: true, engine: "linear" };
const SAFE_BACKTRACKING: PatternVerdict = { safe: true, engine: "backtracking" };
// The schema engine compiles every `pattern` and `patternProperties` key with the `u` flag,
// so the analysis reads them the same way.
const ENGINE_FLAGS = "u";
const CACHE_LIMIT = 10_000;
const verdicts = new Map<string, PatternVerdict>();

/**
 * Decides, before any input is matched, where a regular expression runs and whether it may
 * (RULES.md E11). Deterministic: the same pattern always gets the same verdict.
 *
 * A pattern valid with the `u` flag runs on the linear-time engine (RE2, see linear-regex.ts)
 * whenever that engine can run it with the same meaning: then it is safe whatever its shape or
 * length (`^(a+)+$` included), up to RE2's own limits on program size and counted repetitions.
 * A pattern RE2 cannot run (a lookaround, a backreference, a count past RE2's limits) may run on
 * V8's backtracking engine only where a static analysis proves it safe: it is refused when it is
 * longer than {@link MAX_PATTERN_LENGTH} or has more than {@link MAX_PATTERN_QUANTIFIERS}
 * repetitions (the analysis' own cost), uses a backreference, has alternatives inside a
 * repetition that can match the same text (`(a|a)*`, `(a|aa)+`), or when scslre finds
 * super-linear backtracking (`(a+)+`, `\d+\d+`, unanchored `a+b`); bounded repetitions are
 * tolerated while the product of their ranges stays at most {@link MAX_BOUNDED_BACKTRACKING}.
 *
 * @example
 * checkPattern("^(a+)+$") // { safe: true, engine: "linear" }
 * checkPattern("^(?!-)[a-z-]+$") // { safe: true, engine: "backtracking" }
 * checkPattern("^(?=(a+)+$)") // { safe: false, reason: "...", hint: "..." }
 */
export function checkPattern(source: string, options: PatternCheckOptions = {}): PatternVerdict {
  const maxLength = options.maxLength ?? MAX_PATTERN_LENGTH;
  const flags = options.flags ?? ENGINE_FLAGS;
  const budget = options.maxBoundedBacktracking ?? MAX_BOUNDED_BACKTRACKING;
  const maxQuantifiers = options.maxQuantifiers ?? MAX_PATTERN_QUANTIFIERS;
  const linear = (options.linear ?? true) && flags === ENGINE_FLAGS;
  const key = `${linear ? "L" : "B"}/${maxLength}/${budget}/${maxQuantifiers}/${flags}/${source}`;
  const cached = verdicts.get(key);
  if (cached) return cached;
  if (options.deadline !== undefined && performance.now() > options.deadline) return OUT_OF_TIME;
  const verdict = judge(source, { flags, maxLength, budget, maxQuantifiers, linear });
  if (verdicts.size >= CACHE_LIMIT) verdicts.delete(verdicts.keys().next().value as string);
  verdicts.set(key, verdict);
  return verdict;
}

interface Settings {
  readonly flags: string;
  readonly maxLength: number;
  readonly budget: number;
  readonly maxQuantifiers: number;
  readonly linear: boolean;
}

/** The verdict on a pattern met past the caller's deadline. Not cached: in a smaller payload it may well be judged in time. */
export const OUT_OF_TIME: PatternVerdict = {
  safe: false,
  reason: "it was not analysed: the regular expressions of this payload together take too long to compile and check",
  hint: "use fewer or simpler patterns, or split the module",
};

function judge(source: string, { flags, maxLength, budget, maxQuantifiers, linear }: Settings): PatternVerdict {
  try {
    new RegExp(source, flags);
  } catch (error) {
    return {
      safe: false,
      reason: `it is not a valid regular expression${flags.includes("u") ? " with the Unicode flag" : ""}: ${describeSyntaxError(error)}`,
      hint: "escape literal characters such as `{`, `}`, `]` and `/` with a backslash",
    };
  }
  let unsupported: LinearUnsupported | undefined;
  if (linear) {
    let matcher: ReturnType<typeof linearMatcher>;
    try {
      matcher = linearMatcher(source);
    } catch {
      // regexpp reads ECMAScript 2024; V8 may accept syntax it does not know yet.
      matcher = {
        ok: false,
        construct: "its syntax",
        reason: "the linear engine's translator cannot read it, so it needs the backtracking engine",
      };
    }
    if (isLinearMatcher(matcher)) return SAFE_LINEAR;
    unsupported = matcher;
  }
  const verdict = judgeBacktracking(source, { flags, maxLength, budget, maxQuantifiers });
  if (verdict.safe || !unsupported) return verdict;
  // Name what kept the pattern off the linear engine, then why the backtracking one cannot be trusted with it.
  return {
    safe: false,
    reason: `${unsupported.reason}, and on that engine ${verdict.reason}`,
    hint: verdict.hint ?? `rewrite it without ${unsupported.construct}, so that it can run on the linear engine`,
  };
}

function judgeBacktracking(
  source: string,
  { flags, maxLength, budget, maxQuantifiers }: Omit<Settings, "linear">,
): PatternVerdict {
  if (source.length > maxLength) {
    return {
      safe: false,
      reason: `it is ${source.length.toLocaleString("en")} characters long, more than the ${maxLength.toLocaleString("en")} the safety analysis reads`,
      hint: "split the check into simpler patterns or use a `format`",
    };
  }
  const parse = (): Parsed => {
    const parser = new RegExpParser({ ecmaVersion: 2024 });
    const parsedFlags = parser.parseFlags(flags);
    return {
      pattern: parser.parsePattern(source, 0, source.length, { unicode: parsedFlags.unicode }),
      flags: parsedFlags,
    };
  };
  let parsed: Parsed;
  try {
    parsed = parse();
  } catch {
    return { safe: false, reason: "it uses syntax the safety analysis cannot read" };
  }
  try {
    return analysePattern(source, flags, budget, maxQuantifiers, parsed, parse);
  } catch {
    // refa gives up on automata that grow too large: that is itself a sign of a pattern too complex to trust.
    return { safe: false, reason: "it is too complex to analyse for catastrophic backtracking" };
  }
}

interface Bounds {
  readonly min: number;
  readonly max: number;
}

type Parsed = { pattern: AST.Pattern; flags: AST.Flags };

function analysePattern(
  source: string,
  flags: string,
  maxBudget: number,
  maxQuantifiers: number,
  parsed: Parsed,
  parse: () => Parsed,
): PatternVerdict {
  let backreference: string | undefined;
  visitRegExpAST(parsed.pattern, {
    onBackreferenceEnter(node) {
      backreference ??= node.raw;
    },
  });
  if (backreference !== undefined) {
    return {
      safe: false,
      reason: `the backreference ${backreference} cannot be proven safe`,
      hint: "remove the backreference: JSON Schema's portable regular expressions have none",
    };
  }

  let quantifiers = 0;
  visitRegExpAST(parsed.pattern, {
    onQuantifierEnter() {
      quantifiers++;
    },
  });
  if (quantifiers > maxQuantifiers) {
    return {
      safe: false,
      reason: `it has ${quantifiers} repetitions, more than the ${maxQuantifiers} the safety analysis reads`,
      hint: "split the check into simpler patterns or use a `format`",
    };
  }

  // On the pattern as written: the widening below would make alternatives overlap that do not.
  const overlap = findOverlappingAlternatives(parsed);
  if (overlap) return overlap;

  // Fast path: on the pattern as written scslre reports only unbounded quantifiers, and any such
  // report means work that grows faster than the input. One is enough to refuse; listing them
  // all costs O(q^2) and reached seconds on ".*x" repeated 128 times.
  const unbounded =
    analyse(parsed, { assumeRejectingSuffix: true, reportTypes: { Move: false }, maxReports: 1 }).reports[0] ??
    analyse(parsed, { reportTypes: { Self: false, Trade: false }, maxReports: 1 }).reports[0];
  if (unbounded) return refuse(source, flags, unbounded);

  // Remember every quantifier's bounds, then widen the variable ones that can repeat (or sit
  // inside something that repeats) to unbounded, so that scslre, which only reasons about
  // unbounded quantifiers, sees `a{0,9}a{0,9}` as `a*a*` and `(a?){25}` as `(a*){25}`. Fixed
  // counts (`%[0-9a-f]{2}`) offer no choice and stay as written: widening them would invent
  // ambiguities the pattern does not have. Done on a fresh parse: the analyses above cache facts
  // about the nodes they saw (regexp-ast-analysis keys its caches by node), which widening would
  // make stale.
  const widened = parse();
  const original = new Map<AST.Quantifier, Bounds>();
  let repeating = 0;
  visitRegExpAST(widened.pattern, {
    onQuantifierEnter(node) {
      original.set(node, { min: node.min, max: node.max });
      const repeats = node.max >= 2;
      if (node.min !== node.max && (repeats || repeating > 0)) widen(node);
      if (repeats) repeating++;
    },
    onQuantifierLeave(node) {
      if ((original.get(node)?.max ?? 0) >= 2) repeating--;
    },
  });

  const reports = [
    ...analyse(widened, { assumeRejectingSuffix: true, reportTypes: { Move: false } }).reports,
    ...analyse(widened, { reportTypes: { Self: false, Trade: false } }).reports,
  ];
  let budget = 1;
  const counted = new Set<AST.Quantifier>();
  for (const report of reports) {
    const cost = boundedCost(report, original, counted);
    if (cost === undefined) return refuse(source, flags, report);
    budget *= cost;
    if (budget > maxBudget) {
      return {
        safe: false,
        reason: `its bounded repetitions can backtrack through more than ${maxBudget.toLocaleString("en")} combinations at each input position`,
        hint: "make the repeated parts exclusive (separate them with a mandatory character) or lower the counts",
      };
    }
  }
  return SAFE_BACKTRACKING;
}

function widen(node: AST.Quantifier): void {
  node.min = Math.min(node.min, 1);
  node.max = Number.POSITIVE_INFINITY;
}

function range(bounds: Bounds): number {
  return bounds.max - bounds.min + 1;
}

/**
 * The constant factor a report costs when bounded repetitions make it bounded, or `undefined`
 * when the work grows faster than linearly with the input.
 */
function boundedCost(
  report: Report,
  original: ReadonlyMap<AST.Quantifier, Bounds>,
  counted: Set<AST.Quantifier>,
): number | undefined {
  const bounds = (q: AST.Quantifier): Bounds => original.get(q) ?? { min: q.min, max: q.max };
  const factor = (q: AST.Quantifier): number => {
    if (counted.has(q)) return 1;
    counted.add(q);
    return range(bounds(q));
  };
  switch (report.type) {
    case "Trade": {
      // Two unbounded repetitions trading characters cost O(n^2) per start; when one side is
      // bounded by a range r, the trade costs at most r steps per character of the other.
      const start = bounds(report.startQuant);
      const end = bounds(report.endQuant);
      const startOpen = start.max === Number.POSITIVE_INFINITY;
      const endOpen = end.max === Number.POSITIVE_INFINITY;
      if (startOpen && endOpen) return undefined;
      return (startOpen ? 1 : factor(report.startQuant)) * (endOpen ? 1 : factor(report.endQuant));
    }
    case "Self": {
      const inner = bounds(report.quant);
      const parent = bounds(report.parentQuant);
      // A parent that could run at most once was widened only because something repeats it
      // further out; that outer repetition gets its own report if the danger is real.
      if (parent.max <= 1) return 1;
      if (inner.max === Number.POSITIVE_INFINITY || parent.max === Number.POSITIVE_INFINITY) return undefined;
      return range(inner) ** parent.max;
    }
    case "Move": {
      if (bounds(report.quant).max === Number.POSITIVE_INFINITY) return undefined;
      return factor(report.quant);
    }
  }
}

function refuse(source: string, flags: string, report: Report): PatternVerdict {
  const fixed = pristineFix(source, flags);
  switch (report.type) {
    case "Self":
      return {
        safe: false,
        reason: `it can backtrack catastrophically: "${report.quant.raw}" repeats inside "${report.parentQuant.raw}", so the same text can be split in exponentially many ways`,
        hint: fixed ?? 'remove the inner repetition or make the repeated parts exclusive ("(a+)+" -> "a+")',
      };
    case "Trade":
      return {
        safe: false,
        reason: `it can backtrack for a time that grows with the input: "${report.startQuant.raw}" and "${report.endQuant.raw}" can trade the same characters`,
        hint: fixed ?? 'separate the repetitions with a mandatory character or merge them ("\\d+\\d+" -> "\\d{2,}")',
      };
    case "Move":
      return {
        safe: false,
        reason: `it is unanchored and "${report.quant.raw}" can rescan a failing input from every position (quadratic time)`,
        hint: 'anchor it with "^", or drop a leading repetition ("[a-z]+1" finds the same strings as "[a-z]1")',
      };
  }
}

// Computing a fix costs a second analysis and can take tens of milliseconds on long patterns:
// only short ones, where a rewritten pattern is also readable as a hint, get one.
const MAX_FIXED_LENGTH = 64;

/** scslre can sometimes rewrite a pattern into an equivalent safe one; offer it as the hint. */
function pristineFix(source: string, flags: string): string | undefined {
  if (source.length > MAX_FIXED_LENGTH) return undefined;
  try {
    const result = analyse({ source, flags }, { assumeRejectingSuffix: true, maxReports: 1 });
    const literal = result.reports[0]?.fix();
    return literal && literal.source !== source
      ? `an equivalent pattern without the ambiguity: "${literal.source}"`
      : undefined;
  } catch {
    return undefined;
  }
}

// Pairs of alternatives compared exactly per pattern, and automaton nodes per comparison:
// beyond them the pattern is refused as too complex rather than analysed for long.
const MAX_ALTERNATIVE_PAIRS = 500;
const MAX_AUTOMATON_NODES = 10_000;

/**
 * scslre reasons about quantifiers only: it merges `a|a` into `[a]` and so misses the
 * ambiguity a backtracking engine has between alternatives. Inside a repetition, an alternation
 * is refused when two alternatives can match the same text (`(a|a)*`, `(\w|\d)+`), or when one
 * can match a proper prefix of the other and the rest can follow the group (`(a|aa)+`).
 * Alternatives that only share a first character (`(?:~0|~1)*`, `(?:25[0-5]|2[0-4]\d)\.`) pass.
 */
function findOverlappingAlternatives(parsed: Parsed): PatternVerdict | undefined {
  const parser = JS.Parser.fromAst(parsed);
  const automata = new Map<AST.Alternative, NFA>();
  const automaton = (alternative: AST.Alternative): NFA => {
    let nfa = automata.get(alternative);
    if (!nfa) {
      const { expression, maxCharacter } = parser.parseElement(alternative, PARSE_OPTIONS);
      nfa = NFA.fromRegex(expression, { maxCharacter }, { assertions: "ignore" });
      automata.set(alternative, nfa);
    }
    return nfa;
  };
  let verdict: PatternVerdict | undefined;
  let pairs = 0;
  let repetitions = 0;
  const inspect = (group: AST.Group | AST.CapturingGroup | AST.LookaroundAssertion): void => {
    if (verdict || repetitions === 0 || group.alternatives.length < 2) return;
    const follow = getFirstCharAfter(group, "ltr", parsed.flags).char;
    const alternatives = group.alternatives;
    for (let i = 0; i < alternatives.length && !verdict; i++) {
      for (let j = 0; j < alternatives.length && !verdict; j++) {
        const left = alternatives[i];
        const right = alternatives[j];
        if (i === j || !left || !right) continue;
        if (++pairs > MAX_ALTERNATIVE_PAIRS) {
          verdict = { safe: false, reason: "it has too many alternatives inside repetitions to analyse" };
          return;
        }
        const a = automaton(left);
        const b = automaton(right);
        if (i < j && !isDisjointWith(a, b, MAX_AUTOMATON_NODES)) {
          verdict = {
            safe: false,
            reason: `inside a repetition, the alternatives "${left.raw}" and "${right.raw}" of "${group.raw}" can match the same text, so a failing input is tried in exponentially many ways`,
            hint: 'make the alternatives exclusive, for example by merging them ("(a|a)*" -> "a*", "(\\w|\\d)+" -> "\\w+")',
          };
          return;
        }
        if (follow.isEmpty) continue;
        const continued = a.copy();
        continued.append(continuationStartingWith(follow, a.maxCharacter));
        if (!isDisjointWith(continued, b, MAX_AUTOMATON_NODES)) {
          verdict = {
            safe: false,
            reason: `inside a repetition, "${left.raw}" can match the start of what "${right.raw}" matches in "${group.raw}", so the same text can be split in exponentially many ways`,
            hint: 'make no alternative a prefix of another, or make the longer one come first and the shorter one unable to repeat ("(a|aa)+" -> "a+")',
          };
        }
      }
    }
  };
  visitRegExpAST(parsed.pattern, {
    onQuantifierEnter(node) {
      if (node.max >= 2) repetitions++;
    },
    onQuantifierLeave(node) {
      if (node.max >= 2) repetitions--;
    },
    onGroupEnter: inspect,
    onCapturingGroupEnter: inspect,
    onAssertionEnter(node) {
      if (node.kind === "lookahead" || node.kind === "lookbehind") inspect(node);
    },
  });
  return verdict;
}

// Assertions are read as always true: the language grows, so overlaps are found, never hidden.
const PARSE_OPTIONS = { assertions: "ignore", backreferences: "disable" } as const;

/** The automaton of `[follow][^]*`: one character that may come after the group, then anything. */
function continuationStartingWith(follow: CharSet, maxCharacter: number): NFA {
  const anything: NoParent<Quantifier> = {
    type: "Quantifier",
    lazy: false,
    min: 0,
    max: Number.POSITIVE_INFINITY,
    alternatives: [
      { type: "Concatenation", elements: [{ type: "CharacterClass", characters: CharSet.all(maxCharacter) }] },
    ],
  };
  const expression: NoParent<Concatenation> = {
    type: "Concatenation",
    elements: [{ type: "CharacterClass", characters: follow }, anything],
  };
  return NFA.fromRegex(expression, { maxCharacter });
}

function describeSyntaxError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 repeats the whole pattern in its message; the pointer already names the pattern.
  const colon = message.lastIndexOf(": ");
  return colon >= 0 ? message.slice(colon + 2) : message;
}
