import { crc32 } from "node:zlib";
import { type Change, changesJson } from "@rune/mrs-core";
import { CATALOG_FORMAT_VERSION } from "./catalog-format.js";

/** The `format` member of a journal file's first line. */
export const JOURNAL_FORMAT = "rune-mrs-journal";

/**
 * One line of a journal file: its CRC-32 (8 lowercase hex digits, zlib's polynomial, of the JSON
 * text's UTF-8 bytes), a space, the JSON text, a newline. `JSON.stringify` never writes a raw
 * newline, so a line is always exactly one record. Built into one buffer: a commit is one write.
 */
function frame(json: string): Buffer {
  const line = Buffer.from(`00000000 ${json}\n`, "utf8");
  const sum = crc32(line.subarray(9, line.length - 1)) >>> 0;
  line.write(sum.toString(16).padStart(8, "0"), 0, "latin1");
  return line;
}

/** The first line of a journal segment: what it is, and the revision its first record will take. */
export function encodeJournalHeader(first: number): Buffer {
  return frame(JSON.stringify({ format: JOURNAL_FORMAT, formatVersion: CATALOG_FORMAT_VERSION, first }));
}

/**
 * One commit as one journal record: its changes take revisions `first` to `first + n - 1`. The
 * small members come first so that a reader can tell the revisions without parsing the changes.
 * The changes are `JSON.stringify`'s text, written by core's `changesJson`, which reuses the
 * payloads' text the registry already wrote. Throws (before anything is written) on what JSON
 * cannot carry, such as a BigInt.
 */
export function encodeRecord(first: number, changes: readonly Change[]): Buffer {
  const last = first + changes.length - 1;
  return frame(`{"first":${first},"last":${last},"changes":${changesJson(changes)}}`);
}

/** Where a whole, checked record lies in a segment file, and the revisions it holds. */
export interface RecordRef {
  readonly first: number;
  readonly last: number;
  /** Byte offset of its line in the file. */
  readonly offset: number;
  /** Bytes of its line, newline included. */
  readonly length: number;
}

/** What {@link scanRecords} found in some bytes of a segment. */
export interface ScanResult {
  /** The whole, checked records, in order. */
  readonly records: RecordRef[];
  /** The offset just past the last of them (the start of the bytes when there are none). */
  readonly end: number;
  /**
   * Bytes after `end` that hold no whole record, and no whole record after them: what a crash in
   * the middle of an append leaves (a torn tail). Never applied; cut away under the lock.
   */
  readonly tail: { readonly offset: number; readonly length: number; readonly problem: string } | null;
  /** A damaged record with whole records after it (or one out of sequence): the journal is corrupt. */
  readonly damaged: { readonly offset: number; readonly problem: string; readonly later: number } | null;
}

const HEX8 = /^[0-9a-f]{8}$/;
const RECORD_HEAD = /^\{"first":(\d{1,15}),"last":(\d{1,15}),"changes":\[/;

/** Checks one line (`start` to the newline at `newline`): its revisions, or what is wrong. */
function checkLine(bytes: Buffer, start: number, newline: number): { first: number; last: number } | string {
  if (newline - start < 12 || bytes[start + 8] !== 0x20) return "not a record line (a checksum, a space, JSON)";
  const hex = bytes.toString("latin1", start, start + 8);
  if (!HEX8.test(hex)) return "its checksum is not 8 hex digits";
  if (crc32(bytes.subarray(start + 9, newline)) >>> 0 !== Number.parseInt(hex, 16)) {
    return "its checksum does not match its bytes";
  }
  const head = RECORD_HEAD.exec(bytes.toString("latin1", start + 9, Math.min(newline, start + 80)));
  if (head === null || bytes[newline - 2] !== 0x5d || bytes[newline - 1] !== 0x7d) return "it is not a journal record";
  const first = Number(head[1]);
  const last = Number(head[2]);
  if (first < 1 || last < first) return `its revisions ${first}-${last} make no sense`;
  return { first, last };
}

/**
 * Finds the records in `bytes`, which start at offset `base` of a segment file, where the next
 * record must start at revision `next`. Reads only each line's checksum and revisions, never
 * the changes: scanning a journal costs a CRC-32 pass, not a `JSON.parse`.
 */
export function scanRecords(bytes: Buffer, base: number, next: number): ScanResult {
  const records: RecordRef[] = [];
  let end = base;
  let expected = next;
  let bad: { offset: number; problem: string } | null = null;
  let later = 0;
  let position = 0;
  while (position < bytes.length) {
    const newline = bytes.indexOf(0x0a, position);
    if (newline === -1) {
      bad ??= { offset: base + position, problem: "its last record is incomplete (no end of line)" };
      break;
    }
    const line = checkLine(bytes, position, newline);
    if (typeof line === "string") {
      bad ??= { offset: base + position, problem: line };
    } else if (bad !== null) {
      later += 1;
    } else if (line.first !== expected) {
      // Whole and checked, so not torn: a record out of sequence means the file was tampered with.
      const problem = `its record at byte ${base + position} holds revisions ${line.first}-${line.last} where ${expected} was next`;
      return { records, end, tail: null, damaged: { offset: base + position, problem, later: 0 } };
    } else {
      records.push({ first: line.first, last: line.last, offset: base + position, length: newline + 1 - position });
      expected = line.last + 1;
      end = base + newline + 1;
    }
    position = newline + 1;
  }
  if (bad !== null && later > 0) {
    return { records, end, tail: null, damaged: { ...bad, later } };
  }
  const tail = bad === null ? null : { ...bad, length: base + bytes.length - bad.offset };
  return { records, end, tail, damaged: null };
}

/** A segment's first line, checked: the revision of its first record, or what is wrong. */
export function decodeJournalHeader(
  bytes: Buffer,
): { ok: true; first: number; length: number } | { ok: false; problem: string } {
  const newline = bytes.indexOf(0x0a);
  if (bytes.length === 0) return { ok: false, problem: "the file is empty" };
  if (newline === -1 || newline < 10 || bytes[8] !== 0x20)
    return { ok: false, problem: "its first line is not a journal header" };
  const written = Number.parseInt(bytes.toString("latin1", 0, 8), 16);
  if (crc32(bytes.subarray(9, newline)) >>> 0 !== written) {
    return { ok: false, problem: "the checksum of its first line does not match" };
  }
  let value: { format?: unknown; formatVersion?: unknown; first?: unknown };
  try {
    value = JSON.parse(bytes.toString("utf8", 9, newline));
  } catch {
    return { ok: false, problem: "its first line is not JSON" };
  }
  if (value === null || typeof value !== "object" || value.format !== JOURNAL_FORMAT) {
    return { ok: false, problem: `it is not an MRS journal (its header's "format" is not "${JOURNAL_FORMAT}")` };
  }
  const version = value.formatVersion;
  if (typeof version === "number" && version > CATALOG_FORMAT_VERSION) {
    return {
      ok: false,
      problem: `it was written by a newer release (format version ${version}; this release reads version ${CATALOG_FORMAT_VERSION})`,
    };
  }
  if (version !== CATALOG_FORMAT_VERSION) {
    return { ok: false, problem: `its format version ${JSON.stringify(version)} is unknown` };
  }
  const first = value.first;
  if (typeof first !== "number" || !Number.isSafeInteger(first) || first < 1) {
    return { ok: false, problem: `its header's "first" is ${JSON.stringify(first)}, not a positive integer` };
  }
  return { ok: true, first, length: newline + 1 };
}

/**
 * The changes of one record line, read back from its file: checked again (the bytes may have
 * changed since the scan; `check` false: these are the very bytes scanned), then parsed.
 */
export function decodeRecord(line: Buffer, check = true): { first: number; last: number; changes: Change[] } {
  if (check) {
    const checked =
      line.length > 0 && line[line.length - 1] === 0x0a ? checkLine(line, 0, line.length - 1) : "it is cut short";
    if (typeof checked === "string") throw new Error(checked);
  }
  const value = JSON.parse(line.toString("utf8", 9, line.length - 1)) as {
    first: number;
    last: number;
    changes: Change[];
  };
  if (!Array.isArray(value.changes) || value.changes.length !== value.last - value.first + 1) {
    throw new Error(`the record of revisions ${value.first}-${value.last} holds ${value.changes?.length} changes`);
  }
  return value;
}
