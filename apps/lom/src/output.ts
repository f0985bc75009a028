import type { MrsError, MrsWarning } from "@rune/mrs-core";

/** Exit codes (INTERFACES.md): 0 success, 1 invalid / not found / rejected, 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown by a command to stop with an exit code after it printed what it had to say. */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Machine output: one JSON document on stdout, nothing else there. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Human output, on stdout. */
export function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** Diagnostics, on stderr (so `--json` output stays clean). */
export function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

const useColor = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

/**
 * Text from a payload made safe for a terminal: control characters (escape sequences, carriage
 * returns, new lines) and bidirectional overrides are shown as `\u{...}`, so that a module name
 * cannot repaint the screen or forge a line of `lom` output.
 */
export function printable(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`,
  );
}

/** One error or warning, readable: code, rule, where, what, and how to fix it. */
export function formatIssue(issue: MrsError | MrsWarning, indent = "  "): string {
  const mark = issue.code === "UNKNOWN_FORMAT" ? yellow("!") : red("✗");
  const where = issue.pointer === "" ? "(document)" : printable(issue.pointer);
  const lines = [
    `${indent}${mark} ${bold(issue.code)} ${dim(`MRS-${issue.rule}`)} at ${where}`,
    `${indent}    ${printable(issue.message)}`,
  ];
  if (issue.hint) lines.push(`${indent}    ${dim("hint:")} ${printable(issue.hint)}`);
  return lines.join("\n");
}
