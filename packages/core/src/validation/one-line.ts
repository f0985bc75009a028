/**
 * Text from a payload or a schema as a message may quote it: control characters (new lines,
 * carriage returns, escape sequences), line and paragraph separators and bidirectional controls
 * are written as `\u{...}`, so that every message stays one line and a quoted string cannot
 * forge or repaint what a person reads (RULES.md: "a one-line message"). The same characters as
 * `lom`'s terminal output escapes, plus U+2028 and U+2029, which end lines in many viewers.
 *
 * @example
 * oneLine("^a\nb$") // "^a\\u{a}b$"
 */
export function oneLine(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`,
  );
}
