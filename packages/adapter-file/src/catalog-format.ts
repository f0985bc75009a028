import type { CatalogData, StoreSnapshot } from "@rune/mrs-core";

/** The `format` member of every catalog file: says what the file is to a person or a tool. */
export const CATALOG_FORMAT = "rune-mrs-catalog";

/**
 * The `formatVersion` this release writes and reads. A release that changes the layout raises
 * it and migrates older files; a file of a higher version is refused, never rewritten.
 */
export const CATALOG_FORMAT_VERSION = 1;

/**
 * The text of a catalog file: the versioned envelope around one snapshot. The small members
 * come first, so that `head -c 100` shows the format, version and revision of any catalog.
 */
export function encodeCatalog(revision: number, data: CatalogData): string {
  return `${JSON.stringify({ format: CATALOG_FORMAT, formatVersion: CATALOG_FORMAT_VERSION, revision, data })}\n`;
}

/**
 * Reads a catalog file's text: the snapshot, or what is wrong with it. Checks the envelope and
 * the shape of the catalog's top level, not every record: one `JSON.parse` and a few checks,
 * so that a catalog of 10,000 modules loads fast. (`JSON.parse` keeps `__proto__` keys as
 * plain data, RULES.md E12.)
 */
export function decodeCatalog(text: string): { ok: true; snapshot: StoreSnapshot } | { ok: false; problem: string } {
  if (text.length === 0) return { ok: false, problem: "the file is empty" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `it is not valid JSON, perhaps truncated (${reason})` };
  }
  if (!isRecord(value)) return { ok: false, problem: "it does not hold a JSON object" };
  if (value.format !== CATALOG_FORMAT) {
    return {
      ok: false,
      problem: `it is not an MRS catalog file ("format" is ${show(value.format)}, expected "${CATALOG_FORMAT}")`,
    };
  }
  const version = value.formatVersion;
  if (typeof version === "number" && Number.isSafeInteger(version) && version > CATALOG_FORMAT_VERSION) {
    return {
      ok: false,
      problem: `it was written by a newer release (format version ${version}; this release reads version ${CATALOG_FORMAT_VERSION})`,
    };
  }
  if (version !== CATALOG_FORMAT_VERSION) {
    return {
      ok: false,
      problem: `its format version ${show(version)} is unknown (this release reads version ${CATALOG_FORMAT_VERSION})`,
    };
  }
  const revision = value.revision;
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 1) {
    return { ok: false, problem: `its "revision" is ${show(revision)}, not a positive integer` };
  }
  const problem = catalogShapeProblem(value.data);
  if (problem !== null) return { ok: false, problem };
  return { ok: true, snapshot: { revision, data: value.data as CatalogData } };
}

function catalogShapeProblem(data: unknown): string | null {
  if (!isRecord(data)) return `its "data" is ${show(data)}, not a catalog object`;
  const session = data.session;
  if (!isRecord(session) || typeof session.id !== "string" || typeof session.startedAt !== "string") {
    return `its "data.session" is not a session with a string "id" and "startedAt"`;
  }
  if (!isRecord(data.modules)) return `its "data.modules" is not an object`;
  if (!Array.isArray(data.superseded)) return `its "data.superseded" is not an array`;
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
