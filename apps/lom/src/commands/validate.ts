import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { checkRegistration, MAX_PAYLOAD_BYTES, type MrsError, type MrsWarning, mrsError } from "@rune/mrs-core";
import { EXIT, Exit, formatIssue, green, printJson, red, say } from "../output.js";

/** One file's verdict, as `lom validate --json` prints it. */
export interface FileResult {
  readonly file: string;
  readonly valid: boolean;
  readonly errors: readonly MrsError[];
  readonly warnings: readonly MrsWarning[];
}

/** Checks one manifest file without a running LOM (every E rule). */
export function validateFile(file: string): FileResult {
  let text: Buffer;
  try {
    text = readBounded(file);
  } catch (error) {
    if (error instanceof TooLarge) {
      const message = `more than ${MAX_PAYLOAD_BYTES} bytes; a payload is at most ${MAX_PAYLOAD_BYTES} bytes`;
      return { file, valid: false, errors: [mrsError("PAYLOAD_TOO_LARGE", "", message)], warnings: [] };
    }
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    return {
      file,
      valid: false,
      errors: [mrsError("SOURCE_UNAVAILABLE", "", `cannot read ${file}: ${reason}`)],
      warnings: [],
    };
  }
  const result = checkRegistration({ text });
  return { file, valid: result.ok, errors: result.errors, warnings: result.warnings };
}

class TooLarge extends Error {}

/**
 * Reads at most one byte past the payload limit (E11), whatever the file is: a regular file is
 * refused by its size before reading, and a pipe or a device (`/dev/zero`) is never read whole.
 */
function readBounded(file: string): Buffer {
  const fd = openSync(file, "r");
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > MAX_PAYLOAD_BYTES) throw new TooLarge();
    const buffer = Buffer.alloc(MAX_PAYLOAD_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_PAYLOAD_BYTES) throw new TooLarge();
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** `lom validate FILE...` */
export function validateCommand(files: readonly string[], options: { json?: boolean }): void {
  const results = files.map(validateFile);
  if (options.json) {
    printJson({ results });
  } else {
    for (const r of results) {
      say(`${r.valid ? green("✓ valid  ") : red("✗ invalid")} ${r.file}`);
      for (const issue of [...r.errors, ...r.warnings]) say(formatIssue(issue));
    }
    const bad = results.filter((r) => !r.valid).length;
    say();
    say(`${results.length - bad} valid, ${bad} invalid`);
  }
  if (results.some((r) => !r.valid)) throw new Exit(EXIT.failed);
}
