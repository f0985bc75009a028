import { DESCRIPTION_MAX_LENGTH } from "@rune/mrs-schema";
import { type MrsError, mrsError } from "../errors.js";
import { describeValue } from "./describe.js";

/** RULES.md E8: a non-empty string of at most 4,096 characters (Unicode code points, as JSON Schema counts). */
export function checkDescription(value: unknown, pointer: string): MrsError | undefined {
  if (typeof value !== "string") {
    return mrsError("INVALID_DESCRIPTION", pointer, `description must be a string, not ${describeValue(value)}`);
  }
  if (value.length === 0) {
    return mrsError("INVALID_DESCRIPTION", pointer, "description must not be empty", {
      hint: "say in one sentence what the action does",
    });
  }
  const length = value.length > DESCRIPTION_MAX_LENGTH ? codePoints(value) : value.length;
  if (length > DESCRIPTION_MAX_LENGTH) {
    return mrsError(
      "INVALID_DESCRIPTION",
      pointer,
      `description is ${length.toLocaleString("en")} characters long, more than ${DESCRIPTION_MAX_LENGTH.toLocaleString("en")}`,
      { hint: "keep the summary short; put details in the schemas' own descriptions" },
    );
  }
  return undefined;
}

// Only needed when the UTF-16 length exceeds the limit: surrogate pairs count once.
function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
