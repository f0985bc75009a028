import { type MrsError, mrsError } from "../errors.js";
import { describeValue } from "./describe.js";

const POINTER = "/registration_metadata/registered_at";
// Loose on purpose (any case, any separator, any fraction, any offset) so that near misses get
// a precise message; the strict form is checked field by field below. Linear: no nested repetition.
const RFC3339_LIKE = /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const MAX_FRACTION_DIGITS = 9;
// The form nearly every payload has (what `defineModule` and `toISOString` write): when the
// fields are also in range, nothing more to say, and no message to prepare.
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/**
 * RULES.md E5: `registered_at` is an RFC 3339 date-time in UTC (`Z`, uppercase `T`, fractional
 * seconds allowed) naming a real instant: `2025-02-30` and the leap second `23:59:60` are
 * refused (`INVALID_TIMESTAMP`); a valid time with another offset is `TIMESTAMP_NOT_UTC`, and
 * the hint gives the same instant in UTC.
 */
export function checkTimestamp(value: unknown): MrsError | undefined {
  if (typeof value !== "string") {
    return invalid(`registered_at must be a string such as "2025-12-01T00:00:00Z", not ${describeValue(value)}`);
  }
  if (CANONICAL_UTC.test(value) && fieldsInRange(value)) return undefined;
  const match = value.length <= 64 ? RFC3339_LIKE.exec(value) : null;
  if (!match) {
    return invalid(`registered_at "${shorten(value)}" is not an RFC 3339 date-time such as "2025-12-01T00:00:00Z"`);
  }
  const [, year, month, day, separator, hour, minute, second, fraction = "", zulu, sign, offsetHour, offsetMinute] =
    match.map((part) => part ?? "") as string[];
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as number[];
  if (mo === undefined || mo < 1 || mo > 12) return invalid(`registered_at "${value}" has no month ${month}`);
  if (d === undefined || d < 1 || d > daysInMonth(y ?? 0, mo)) {
    return invalid(
      `registered_at "${value}" names a day that does not exist: ${year}-${month} has ${daysInMonth(y ?? 0, mo)} days`,
    );
  }
  if ((h ?? 0) > 23 || (mi ?? 0) > 59) return invalid(`registered_at "${value}" has no time ${hour}:${minute}`);
  if (s === 60) {
    return invalid(`registered_at "${value}" is a leap second, which MRS does not accept`, `use ${hour}:${minute}:59`);
  }
  if ((s ?? 0) > 59) return invalid(`registered_at "${value}" has no second ${second}`);
  if (fraction.length - 1 > MAX_FRACTION_DIGITS) {
    return invalid(`registered_at "${value}" has more than ${MAX_FRACTION_DIGITS} fractional digits`);
  }
  if (zulu === "") {
    if (Number(offsetHour) > 23 || Number(offsetMinute) > 59) {
      return invalid(`registered_at "${value}" has no offset ${sign}${offsetHour}:${offsetMinute}`);
    }
    const utc = toUtc(match, sign === "-" ? -1 : 1);
    return mrsError(
      "TIMESTAMP_NOT_UTC",
      POINTER,
      `registered_at "${value}" has the offset ${sign}${offsetHour}:${offsetMinute}; MRS requires UTC ("Z")`,
      { hint: utc === undefined ? 'convert it to UTC and end it with "Z"' : `use "${utc}", the same instant in UTC` },
    );
  }
  if (separator !== "T" || zulu !== "Z") {
    const fixed = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}Z`;
    return invalid(`registered_at "${value}" must use an uppercase "T" and "Z"`, `use "${fixed}"`);
  }
  return undefined;
}

function invalid(message: string, fix?: string): MrsError {
  return mrsError("INVALID_TIMESTAMP", POINTER, message, fix === undefined ? {} : { hint: fix });
}

/** The date and time fields of a string in {@link CANONICAL_UTC} form name a real instant (no leap second). */
function fieldsInRange(value: string): boolean {
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(digits(value, 0, 4), month) &&
    digits(value, 11, 2) <= 23 &&
    digits(value, 14, 2) <= 59 &&
    digits(value, 17, 2) <= 59
  );
}

function digits(value: string, start: number, length: number): number {
  let result = 0;
  for (let i = start; i < start + length; i++) result = result * 10 + value.charCodeAt(i) - 48;
  return result;
}

/** Days of a month of the proleptic Gregorian calendar, which RFC 3339 uses. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function toUtc(match: RegExpExecArray, direction: number): string | undefined {
  const [, year, month, day, , hour, minute, second, fraction = "", , , offsetHour, offsetMinute] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(
    Number(hour),
    Number(minute) - direction * (Number(offsetHour) * 60 + Number(offsetMinute)),
    Number(second),
    0,
  );
  // toISOString switches to six-digit years outside 0-9999, which RFC 3339 cannot write.
  if (date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) return undefined;
  return `${date.toISOString().slice(0, 19)}${fraction}Z`;
}

function shorten(value: string): string {
  return value.length > 40 ? `${value.slice(0, 37)}...` : value;
}
