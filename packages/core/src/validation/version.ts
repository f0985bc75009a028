import { SEMVER_PATTERN, VERSION_MAX_LENGTH } from "@rune/mrs-schema";
import semver from "semver";
import { type MrsError, mrsError } from "../errors.js";
import { describeValue } from "./describe.js";

const SEMVER = new RegExp(SEMVER_PATTERN);
/** MAJOR.MINOR.PATCH with no leading zeros and at most 15 digits each (so below 2^53). */
const PLAIN = /^(?:0|[1-9]\d{0,14})\.(?:0|[1-9]\d{0,14})\.(?:0|[1-9]\d{0,14})$/;
const POINTER = "/registration_metadata/module_version";

/**
 * RULES.md E4: `module_version` is a strict SemVer 2.0.0 version: no leading `v`, no range, no
 * whitespace, and no numeric identifier beyond 2^53 - 1 (beyond it precedence, S6, could not
 * be computed exactly).
 */
export function checkVersion(value: unknown): MrsError | undefined {
  if (typeof value !== "string") {
    return mrsError(
      "INVALID_VERSION",
      POINTER,
      `module_version must be a string such as "1.0.0", not ${describeValue(value)}`,
    );
  }
  if (value.length > VERSION_MAX_LENGTH) {
    return mrsError(
      "INVALID_VERSION",
      POINTER,
      `module_version is ${value.length} characters long, more than ${VERSION_MAX_LENGTH}`,
    );
  }
  // The plain form nearly every module uses (`1.4.2`, each number short): the strict pattern
  // alone settles it, and what follows (huge identifiers, prerelease parts) cannot apply.
  if (PLAIN.test(value)) return undefined;
  const match = SEMVER.exec(value);
  if (!match) {
    const hint = suggestVersion(value);
    return mrsError("INVALID_VERSION", POINTER, `module_version "${value}" ${whyNotAVersion(value)}`, {
      ...(hint === undefined ? {} : { hint: `use "${hint}"` }),
    });
  }
  const numeric = [match[1], match[2], match[3], ...(match[4]?.split(".") ?? [])].filter(
    (part): part is string => part !== undefined && /^\d+$/.test(part),
  );
  const huge = numeric.find((part) => !Number.isSafeInteger(Number(part)));
  if (huge !== undefined) {
    return mrsError(
      "INVALID_VERSION",
      POINTER,
      `module_version "${value}" has the numeric identifier ${huge}, larger than ${Number.MAX_SAFE_INTEGER}`,
    );
  }
  if (semver.parse(value) === null) {
    return mrsError("INVALID_VERSION", POINTER, `module_version "${value}" is not a SemVer 2.0.0 version`);
  }
  return undefined;
}

function whyNotAVersion(value: string): string {
  if (value.trim() !== value) return "has surrounding whitespace";
  if (/^[vV=]/.test(value)) return 'must not start with "v" or "=": SemVer versions start with a digit';
  if (/[\^~<>*|xX]|\s/.test(value)) return "is a range or pattern, not one version";
  if (/^\d+(?:\.\d+)?$/.test(value)) return "needs three numbers, MAJOR.MINOR.PATCH";
  if (/(?:^|\.)0\d/.test(value.split(/[-+]/)[0] ?? "")) return "must not have leading zeros";
  return "is not a SemVer 2.0.0 version (MAJOR.MINOR.PATCH, optionally -prerelease and +build)";
}

function suggestVersion(value: string): string | undefined {
  const trimmed = value.trim().replace(/^[vV=]+/, "");
  if (SEMVER.test(trimmed)) return trimmed;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return semver.coerce(trimmed)?.version;
  return undefined;
}
