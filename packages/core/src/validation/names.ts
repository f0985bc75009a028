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
