import { readFileSync, statSync } from "node:fs";
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
    // Refuse before reading: a 100 MiB file is not read into memory to be told it is too large.
    const size = statSync(file).size;
    if (size > MAX_PAYLOAD_BYTES) {
      const error = mrsError("PAYLOAD_TOO_LARGE", "", `${size} bytes; a payload is at most ${MAX_PAYLOAD_BYTES} bytes`);
      return { file, valid: false, errors: [error], warnings: [] };
    }
    text = readFileSync(file);
  } catch (error) {
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
