import type { CatalogData, StoreSnapshot } from "@rune/mrs-core";

/** The `format` member of every snapshot file: says what the file is to a person or a tool. */
export const CATALOG_FORMAT = "rune-mrs-catalog";

/**
 * The `formatVersion` this release writes: 2, a snapshot plus a journal of changes. It reads 2,
 * and 1 (a single snapshot file, migrated: loaded as the snapshot at its revision, rewritten as
 * version 2 by the next commit's compaction). A file of a higher version is refused, never rewritten.
 */
export const CATALOG_FORMAT_VERSION = 2;

/** The oldest `formatVersion` this release reads (and migrates). */
export const OLDEST_FORMAT_VERSION = 1;

/**
 * The text of a snapshot file: the versioned envelope around the state at a revision. The small
 * members come first, so that `head -c 100` shows the format, version and revision of any snapshot.
 */
export function encodeSnapshot(revision: number, data: CatalogData): string {
  return `${JSON.stringify({ format: CATALOG_FORMAT, formatVersion: CATALOG_FORMAT_VERSION, revision, data })}\n`;
}

/** A snapshot file, read and checked. */
export interface DecodedSnapshot {
  readonly snapshot: StoreSnapshot;
  /** The format version it was written in: 1 is migrated by the next compaction. */
  readonly version: number;
}

/**
 * Reads a snapshot file's text: the snapshot, or what is wrong with it. Checks the envelope and
 * the shape of the catalog's top level, not every record: one `JSON.parse` and a few checks,
 * so that a large catalog loads fast. (`JSON.parse` keeps `__proto__` keys as plain data,
 * RULES.md E12.) A version 1 file's `superseded` list is dropped: the catalog no longer has one.
 */
export function decodeSnapshot(text: string): { ok: true; decoded: DecodedSnapshot } | { ok: false; problem: string } {
  if (text.length === 0) return { ok: false, problem: "the file is empty" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `it is not valid JSON, perhaps truncated (${reason})` };
  }
  if (!isRecord(value)) return { ok: false, problem: "it does not hold a JSON object" };
  const problem = envelopeProblem(value.format, value.formatVersion, value.revision);
  if (problem !== null) return { ok: false, problem };
  const shape = catalogShapeProblem(value.data);
  if (shape !== null) return { ok: false, problem: shape };
  const data = value.data as Record<string, unknown>;
  if (value.formatVersion === 1) delete data.superseded;
  return {
    ok: true,
    decoded: {
      snapshot: { revision: value.revision as number, data: data as unknown as CatalogData },
      version: value.formatVersion as number,
    },
  };
}

const HEAD = /^\{"format":"rune-mrs-catalog","formatVersion":(\d{1,6}),"revision":(\d{1,15}),"data":\{/;

/**
 * The version and revision of a snapshot from its first bytes, as this package writes them, or
 * null when they are not in that form (a file to read whole, which will say what is wrong). For
 * a handle that already checked a version of the file whole: it learns a newer snapshot that
 * another process wrote without parsing megabytes.
 */
export function readSnapshotHead(start: string): { version: number; revision: number } | null {
  const head = HEAD.exec(start);
  if (head === null) return null;
  const version = Number(head[1]);
  const revision = Number(head[2]);
  if (envelopeProblem(CATALOG_FORMAT, version, revision) !== null) return null;
  return { version, revision };
}

function envelopeProblem(format: unknown, version: unknown, revision: unknown): string | null {
  if (format !== CATALOG_FORMAT) {
    return `it is not an MRS catalog file ("format" is ${show(format)}, expected "${CATALOG_FORMAT}")`;
  }
  if (typeof version === "number" && Number.isSafeInteger(version) && version > CATALOG_FORMAT_VERSION) {
    return `it was written by a newer release (format version ${version}; this release reads versions ${OLDEST_FORMAT_VERSION} to ${CATALOG_FORMAT_VERSION})`;
  }
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < OLDEST_FORMAT_VERSION) {
    return `its format version ${show(version)} is unknown (this release reads versions ${OLDEST_FORMAT_VERSION} to ${CATALOG_FORMAT_VERSION})`;
  }
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 1) {
    return `its "revision" is ${show(revision)}, not a positive integer`;
  }
  return null;
}

function catalogShapeProblem(data: unknown): string | null {
  if (!isRecord(data)) return `its "data" is ${show(data)}, not a catalog object`;
  const session = data.session;
  if (!isRecord(session) || typeof session.id !== "string" || typeof session.startedAt !== "string") {
    return `its "data.session" is not a session with a string "id" and "startedAt"`;
  }
  if (!isRecord(data.modules)) return `its "data.modules" is not an object`;
  if (!Array.isArray(data.decisions)) return `its "data.decisions" is not an array`;
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a short string for a message (never the whole of a large value). */
function show(value: unknown): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  if (isRecord(value)) return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
