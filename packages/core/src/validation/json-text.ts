import { type MrsError, mrsError } from "../errors.js";
import { MAX_PAYLOAD_BYTES } from "./limits.js";
import { utf8Exceeds } from "./utf8.js";

/** The outcome of reading raw payload bytes or text. */
export type ParsedText =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: MrsError };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a raw payload (RULES.md E1, E11, E12): refuses more than {@link MAX_PAYLOAD_BYTES}
 * UTF-8 bytes before decoding or parsing anything, then parses with `JSON.parse`, which defines
 * `__proto__` as a plain member and touches no prototype. A syntax error names its line,
 * column and position.
 */
export function readJson(text: string | Uint8Array): ParsedText {
  if (typeof text === "string" ? utf8Exceeds(text, MAX_PAYLOAD_BYTES) : text.byteLength > MAX_PAYLOAD_BYTES) {
    const limit = `${MAX_PAYLOAD_BYTES.toLocaleString("en")} bytes (1 MiB)`;
    const message =
      typeof text === "string"
        ? `payload is larger than ${limit} as UTF-8`
        : `payload is ${text.byteLength.toLocaleString("en")} bytes, more than the ${limit} allowed`;
    return fail(
      mrsError("PAYLOAD_TOO_LARGE", "", message, {
        hint: "a registration describes actions: keep examples and long texts out of it",
      }),
    );
  }
  return parseJsonText(text);
}

/**
 * Parses JSON text, or bytes decoded as UTF-8 (strictly: bytes that are not UTF-8 are
 * `INVALID_JSON`), with `JSON.parse`, so `__proto__` stays a plain member (E12). A syntax error
 * names its line, column and position. No size limit: {@link readJson} is this with E11's.
 */
export function parseJsonText(text: string | Uint8Array): ParsedText {
  let source: string;
  if (typeof text === "string") {
    source = text;
  } else {
    try {
      source = utf8.decode(text);
    } catch {
      return fail(
        mrsError("INVALID_JSON", "", "payload is not valid UTF-8 text", { hint: "send the JSON encoded as UTF-8" }),
      );
    }
  }
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (error) {
    return fail(mrsError("INVALID_JSON", "", `payload is not JSON: ${syntaxProblem(source, error)}`));
  }
}

function fail(error: MrsError): ParsedText {
  return { ok: false, error };
}

function syntaxProblem(source: string, error: unknown): string {
  const found = findSyntaxError(source);
  if (found) {
    const { line, column } = lineAndColumn(source, found.position);
    return `${found.problem} at line ${line}, column ${column} (position ${found.position})`;
  }
  // The scanner and V8 disagree only if the scanner has a bug; V8's word is then the one to give.
  return error instanceof Error ? error.message : String(error);
}

function lineAndColumn(source: string, position: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let index = source.indexOf("\n"); index !== -1 && index < position; index = source.indexOf("\n", index + 1)) {
    line++;
    start = index + 1;
  }
  return { line, column: position - start + 1 };
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ["true", "false", "null"];

/**
 * Finds where JSON text first goes wrong, with a loop and an explicit stack rather than
 * recursion, so that deeply nested garbage cannot overflow the stack. Only runs after
 * `JSON.parse` failed, to say where.
 */
function findSyntaxError(source: string): { position: number; problem: string } | undefined {
  let at = 0;
  const closers: string[] = [];
  const skip = (): void => {
    while (at < source.length && WHITESPACE.has(source[at] as string)) at++;
  };
  const unexpected = (): { position: number; problem: string } =>
    at >= source.length
      ? { position: at, problem: "unexpected end of input" }
      : { position: at, problem: `unexpected ${JSON.stringify(source[at])}` };
  const string = (): { position: number; problem: string } | undefined => {
    const start = at;
    at++;
    while (at < source.length) {
      const char = source[at] as string;
      if (char === '"') {
        at++;
        return undefined;
      }
      if (char.charCodeAt(0) < 0x20) return { position: at, problem: "control character inside a string (escape it)" };
      if (char === "\\") {
        const escaped = source[at + 1];
        if (escaped === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(source.slice(at + 2, at + 6)))
            return { position: at, problem: "invalid \\u escape" };
          at += 6;
          continue;
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped))
          return { position: at, problem: "invalid escape in a string" };
        at += 2;
        continue;
      }
      at++;
    }
    return { position: start, problem: "unterminated string" };
  };
  // value: expects a value at `at`; afterwards the loop handles what may follow it.
  let expectValue = true;
  for (;;) {
    skip();
    if (expectValue) {
      const char = source[at];
      if (char === "{" || char === "[") {
        closers.push(char === "{" ? "}" : "]");
        at++;
        skip();
        if (source[at] === closers.at(-1)) {
          closers.pop();
          at++;
          expectValue = false;
          continue;
        }
        if (char === "{") {
          if (source[at] !== '"') return unexpected();
          const problem = string();
          if (problem) return problem;
          skip();
          if (source[at] !== ":") return unexpected();
          at++;
        }
        continue;
      }
      if (char === '"') {
        const problem = string();
        if (problem) return problem;
        expectValue = false;
        continue;
      }
      NUMBER.lastIndex = at;
      if (char !== undefined && (char === "-" || (char >= "0" && char <= "9")) && NUMBER.test(source)) {
        at = NUMBER.lastIndex;
        expectValue = false;
        continue;
      }
      const literal = LITERALS.find((word) => source.startsWith(word, at));
      if (literal) {
        at += literal.length;
        expectValue = false;
        continue;
      }
      return unexpected();
    }
    const closer = closers.at(-1);
    if (closer === undefined) {
      return at < source.length ? { position: at, problem: "unexpected data after the JSON value" } : undefined;
    }
    if (source[at] === ",") {
      at++;
      if (closer === "}") {
        skip();
        if (source[at] !== '"') return unexpected();
        const problem = string();
        if (problem) return problem;
        skip();
        if (source[at] !== ":") return unexpected();
        at++;
      }
      expectValue = true;
      continue;
    }
    if (source[at] === closer) {
      closers.pop();
      at++;
      continue;
    }
    return unexpected();
  }
}
