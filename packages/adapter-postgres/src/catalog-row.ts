import { type CatalogData, MrsFailure, mrsError, type StoreSnapshot } from "@rune/mrs-core";

/** The catalog row as the load query selects it: both columns as text, parsed here (see `load`). */
export interface CatalogRow {
  readonly revision: string;
  readonly data: string;
}

/**
 * Reads the catalog row into a snapshot, or throws `STORE_CORRUPT` naming the table and what is
 * wrong. Only the outline is checked (what a registry needs to start); the row's contents were
 * written by a registry, and a commit never stores a half of one.
 */
export function snapshotFromRow(row: CatalogRow, table: string): StoreSnapshot {
  const revision = Number(row.revision);
  if (!Number.isSafeInteger(revision) || revision < 1) {
    throw corrupt(table, `its revision ${JSON.stringify(row.revision)} is not an integer from 1 to 2^53-1`);
  }
  let data: unknown;
  try {
    // JSON.parse keeps "__proto__" as an own data key (RULES.md E12), unlike an assignment.
    data = JSON.parse(row.data);
  } catch (error) {
    throw corrupt(table, `its data is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const problem = outlineProblem(data);
  if (problem !== null) throw corrupt(table, `its data is not an MRS catalog: ${problem}`);
  return { revision, data: data as CatalogData };
}

function outlineProblem(data: unknown): string | null {
  if (!isObject(data)) return "not a JSON object";
  const session = data.session;
  if (!isObject(session) || typeof session.id !== "string" || typeof session.startedAt !== "string") {
    return '"session" is not an object with string "id" and "startedAt"';
  }
  if (!isObject(data.modules)) return '"modules" is not an object';
  if (!Array.isArray(data.superseded)) return '"superseded" is not an array';
  if (!Array.isArray(data.decisions)) return '"decisions" is not an array';
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function corrupt(table: string, problem: string): MrsFailure {
  return new MrsFailure([
    mrsError("STORE_CORRUPT", "", `the PostgreSQL table ${table} cannot be read: ${problem}; it was left untouched`, {
      hint: `restore ${table} from a backup, or copy its row aside and delete it: the next LOM to start opens a new session`,
    }),
  ]);
}
