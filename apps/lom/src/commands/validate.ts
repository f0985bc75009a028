import { open } from "node:fs/promises";
import { readBounded } from "@rune/mrs-adapter-file";
import { checkRegistration, MAX_PAYLOAD_BYTES, type MrsError, type MrsWarning, mrsError } from "@rune/mrs-core";
import type { RegistrationPayload } from "@rune/mrs-schema";
import { EXIT, Exit, formatIssue, green, printJson, red, say } from "../output.js";

/** One file's verdict, as `lom validate --json` prints it. */
export interface FileResult {
  readonly file: string;
  readonly valid: boolean;
  readonly errors: readonly MrsError[];
  readonly warnings: readonly MrsWarning[];
}

/** One file checked: its verdict, and the payload when it is valid (read once, for `lom diff`). */
export interface FileCheck {
  readonly result: FileResult;
  readonly payload?: RegistrationPayload;
}

/**
 * Checks one manifest file without a running LOM (every E rule). The file is read with the
 * payload limit (E11) whatever it is: a regular file over it is refused by its size, unread,
 * and a pipe or a device (`/dev/zero`) is never read whole.
 */
export async function validateFile(file: string): Promise<FileCheck> {
  const refused = (error: MrsError): FileCheck => ({ result: { file, valid: false, errors: [error], warnings: [] } });
  let text: Buffer;
  try {
    const handle = await open(file, "r");
    const read = await readBounded(handle, await handle.stat()).finally(() => handle.close());
    if (!read.ok) {
      const message = `more than ${MAX_PAYLOAD_BYTES} bytes; a payload is at most ${MAX_PAYLOAD_BYTES} bytes`;
      return refused(mrsError("PAYLOAD_TOO_LARGE", "", message));
    }
    text = read.bytes;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    return refused(mrsError("SOURCE_UNAVAILABLE", "", `cannot read ${file}: ${reason}`));
  }
  const checked = checkRegistration({ text });
  const result = { file, valid: checked.ok, errors: checked.errors, warnings: checked.warnings };
  return checked.ok ? { result, payload: checked.value } : { result };
}

/** `lom validate FILE...` */
export async function validateCommand(files: readonly string[], options: { json?: boolean }): Promise<void> {
  const results: FileResult[] = [];
  for (const file of files) results.push((await validateFile(file)).result);
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
