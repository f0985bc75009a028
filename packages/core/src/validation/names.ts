import { NAME_MAX_LENGTH, NAME_PATTERN } from "@rune/mrs-schema";
import { type MrsError, mrsError } from "../errors.js";
import { describeValue } from "./describe.js";

const NAME = new RegExp(NAME_PATTERN);

/**
 * RULES.md E3 (`module_name`) and E7 (`action`): 1 to 64 lowercase letters and digits, words
 * joined by single `-` or `_`, starting with a letter. A name wrong only by case is refused,
 * never lowercased, and the hint names the lowercase form.
 */
export function checkName(
  value: unknown,
  pointer: string,
  code: "INVALID_MODULE_NAME" | "INVALID_ACTION_NAME",
  label: string,
): MrsError | undefined {
  if (typeof value !== "string") {
    return mrsError(code, pointer, `${label} must be a string such as "restart-nomad", not ${describeValue(value)}`);
  }
  if (value.length === 0) return mrsError(code, pointer, `${label} must not be empty`);
  if (value.length > NAME_MAX_LENGTH) {
    return mrsError(code, pointer, `${label} is ${value.length} characters long, more than ${NAME_MAX_LENGTH}`);
  }
  if (NAME.test(value)) return undefined;
  const lower = value.toLowerCase();
  if (NAME.test(lower)) {
    return mrsError(code, pointer, `${label} "${value}" is only wrong by case: names are lowercase`, {
      hint: `use "${lower}"`,
    });
  }
  // A letter from another script that looks Latin (Cyrillic "а" in "vаult") would slug to
  // "v-ult": a wrong fix. Name the characters instead, with their code points, which an
  // editor's font may not show apart.
  const foreign = nonAscii(value);
  if (foreign.length > 0) {
    return mrsError(code, pointer, `${label} "${value}" ${whyNotAName(value)}`, { hint: asciiHint(foreign) });
  }
  const slug = lower
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-$/, "");
  return mrsError(code, pointer, `${label} "${value}" ${whyNotAName(value)}`, {
    ...(NAME.test(slug) ? { hint: `use "${slug}"` } : {}),
  });
}

function whyNotAName(value: string): string {
  if (!/^[a-z]/i.test(value)) return "must start with a letter";
  const stray = /[^a-zA-Z0-9_-]/.exec(value)?.[0];
  if (stray !== undefined) return `contains ${JSON.stringify(stray)}: use lowercase letters, digits, "-" and "_"`;
  return 'must join words with a single "-" or "_" and not end with one';
}

/** How many of a name's non-ASCII characters a hint names; more are counted, not listed. */
const MAX_NAMED = 3;

/** The distinct characters of `value` beyond ASCII, in order, whole code points (not UTF-16 halves). */
function nonAscii(value: string): string[] {
  const found = new Set<string>();
  for (const char of value) if ((char.codePointAt(0) as number) > 0x7f) found.add(char);
  return [...found];
}

/** `"а" (U+0430) is not ASCII: use a-z`, naming up to {@link MAX_NAMED} characters. */
function asciiHint(chars: readonly string[]): string {
  const named = chars.slice(0, MAX_NAMED).map((char) => `${JSON.stringify(char)} (${codePoint(char)})`);
  const more = chars.length - named.length;
  const list =
    named.length === 1
      ? (named[0] as string)
      : `${named.slice(0, -1).join(", ")}${more > 0 ? ", " : " and "}${named.at(-1)}${more > 0 ? ` and ${more} more` : ""}`;
  return `${list} ${chars.length === 1 ? "is" : "are"} not ASCII: use a-z`;
}

/** `U+0430`: the code point as Unicode writes it, four hex digits at least. */
function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`;
}
