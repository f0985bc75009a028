import { statSync } from "node:fs";
import {
  type CompatibilityDifference,
  type CompatibilityReport,
  compareRegistrations,
  type MrsError,
  mrsError,
  nextBreakingVersion,
} from "@rune/mrs-core";
import type { RegistrationPayload } from "@rune/mrs-schema";
import { bold, dim, EXIT, Exit, formatIssue, green, printable, printJson, red, say, warn, yellow } from "../output.js";
import { validateFile } from "./validate.js";

/** Shown after `lom diff --help`. */
export const DIFF_HELP = `
Compares each capability of OLD with the capability of the same action in NEW (RULES.md C1-C4):
an action removed, an input_schema that refuses some input OLD accepted (narrowed), an
output_schema that allows some output OLD could not return (widened). Each difference has a
kind, the action, JSON Pointers into both files, and whether it breaks callers; a change the
comparison cannot decide (a changed pattern, not, if/then, an unknown keyword) is "undecidable"
and counts as breaking. Breaking changes need a major version (for 0.y.z a minor one).

Exit codes: 0 no breaking change, or the versions declare them; 1 breaking changes the versions
do not declare; 2 a file that cannot be read or is not a valid payload (its errors are listed).
Examples:
  lom diff modules/vault-secrets.json build/vault-secrets.json
  git show main:manifest.json > /tmp/old.json && lom diff /tmp/old.json manifest.json --json`;

/** A payload read from a file and valid (every E rule), or why not. */
type Loaded = { readonly payload: RegistrationPayload } | { readonly errors: readonly MrsError[] };

/**
 * Reads and validates one manifest the way `lom validate` does (same bounded read, same
 * errors), once: the payload compared is the one validated. Only regular files are taken.
 */
async function loadPayload(file: string): Promise<Loaded> {
  let regular = true;
  try {
    regular = statSync(file).isFile();
  } catch {
    // validateFile says why it cannot be read.
  }
  if (!regular) {
    return { errors: [mrsError("SOURCE_UNAVAILABLE", "", `${file} is not a regular file: lom diff reads files only`)] };
  }
  const checked = await validateFile(file);
  return checked.payload === undefined ? { errors: checked.result.errors } : { payload: checked.payload };
}

/** `lom diff OLD NEW`: exit 0 when nothing breaks or the versions declare it, 1 when they do not, 2 on bad input. */
export async function diffCommand(oldFile: string, newFile: string, options: { json?: boolean }): Promise<void> {
  const loaded: (readonly [string, Loaded])[] = [];
  for (const file of [oldFile, newFile]) loaded.push([file, await loadPayload(file)]);
  let bad = false;
  for (const [file, result] of loaded) {
    if (!("errors" in result)) continue;
    bad = true;
    warn(red(`lom diff: cannot compare ${printable(file)}`));
    for (const issue of result.errors) warn(formatIssue(issue));
  }
  if (bad) throw new Exit(EXIT.usage);
  const [before, after] = loaded.map(([, result]) => (result as { payload: RegistrationPayload }).payload) as [
    RegistrationPayload,
    RegistrationPayload,
  ];
  const [oldName, newName] = [before, after].map((p) => p.registration_metadata.module_name);
  if (oldName !== newName) {
    warn(
      red(
        `lom diff: ${printable(oldFile)} is module "${printable(String(oldName))}" and ${printable(newFile)} is "${printable(String(newName))}": lom diff compares two versions of one module`,
      ),
    );
    throw new Exit(EXIT.usage);
  }
  const report = compareRegistrations(before, after);
  if (options.json) printJson(report);
  else printReport(report, before.registration_metadata.module_version, after.registration_metadata.module_version);
  if (report.breaking && !report.declared) throw new Exit(EXIT.failed);
}

function printReport(report: CompatibilityReport, oldVersion: string, newVersion: string): void {
  for (const difference of report.differences) say(formatDifference(difference));
  if (report.differences.length > 0) say();
  say(summary(report, printable(oldVersion), printable(newVersion)));
}

/** One difference on one line: its verdict, action, kind and message, and where it is. */
export function formatDifference(difference: CompatibilityDifference): string {
  const mark =
    difference.breaking === true
      ? red("✗ breaking   ")
      : difference.breaking === "undecidable"
        ? yellow("? undecidable")
        : green("· compatible ");
  const where = difference.new_pointer ?? difference.old_pointer ?? "";
  return `${mark} ${bold(printable(difference.action))} ${difference.kind}: ${printable(difference.message)} ${dim(`(${printable(where)})`)}`;
}

function summary(report: CompatibilityReport, oldVersion: string, newVersion: string): string {
  const total = report.differences.length;
  if (total === 0) return `no differences: ${newVersion} may replace ${oldVersion}`;
  const breaking = report.differences.filter((d) => d.breaking === true).length;
  const undecidable = report.differences.filter((d) => d.breaking === "undecidable").length;
  const counts = `${total} difference${total === 1 ? "" : "s"}: ${breaking} breaking, ${undecidable} undecidable, ${total - breaking - undecidable} compatible`;
  if (!report.breaking) return `${counts}; ${newVersion} may replace ${oldVersion}`;
  if (report.declared) return `${counts}; ${newVersion} declares breaking changes after ${oldVersion} (MRS-C2)`;
  const needed = nextBreakingVersion(oldVersion);
  const note = undecidable > 0 ? " (an undecidable difference counts as breaking, MRS-C4)" : "";
  return red(
    `${counts}; ${newVersion} does not declare breaking changes after ${oldVersion}: MRS-C2 asks for ${needed ?? "a major version"} or later${note}`,
  );
}
