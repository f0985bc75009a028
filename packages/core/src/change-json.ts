import type { Change } from "./changes.js";
import type { ModuleRecord } from "./model.js";
import { isPlainRecord, recordJson, WHOLE } from "./validation/payload-json.js";

/**
 * The JSON text of the payloads the registry is committing, by the record that holds each: the
 * text validation and the digest already wrote (`payloadJson`), kept only from the decision to
 * the end of its commit, so that a store writing the commit ({@link changesJson}) does not write
 * the payloads a second time. A payload is most of a commit's bytes: writing `lom start`'s first
 * commit of 1,000 manifests (4.5 MB) was ~20 ms of `JSON.stringify`.
 *
 * A `WeakMap` keyed by the record: nothing here keeps a record alive, and the registry lets go of
 * each text once its commit is over ({@link releasePayloadJson}), so the catalog never holds its
 * payloads twice.
 */
const held = new WeakMap<object, { readonly payload: unknown; readonly text: string }>();

/**
 * Keeps `text`, the JSON text of `record.payload` as `JSON.stringify` writes it, until
 * {@link releasePayloadJson}. The caller vouches that the payload cannot change meanwhile (frozen,
 * or parsed by the registry itself).
 */
export function holdPayloadJson(record: ModuleRecord, text: string): void {
  held.set(record, { payload: record.payload, text });
}

/** Lets go of the texts kept for the records of `changes`. */
export function releasePayloadJson(changes: readonly Change[]): void {
  for (const change of changes) if (change.type === "module.put") held.delete(change.record);
}

/** The text kept for `record`'s payload, if any (for tests: whether it was let go). */
export function heldPayloadJson(record: ModuleRecord): string | undefined {
  return textFor(record as unknown as Readonly<Record<string, unknown>>);
}

/** The text kept for `record`, while `record.payload` is still the payload it was written from. */
function textFor(record: Readonly<Record<string, unknown>>): string | undefined {
  const entry = held.get(record);
  return entry !== undefined && entry.payload === record.payload ? entry.text : undefined;
}

/**
 * `JSON.stringify(changes)`, the same text character for character, with each module payload
 * the registry is committing taken from the text it already wrote rather than written again.
 * For stores that write a commit as JSON (a journal record, a request body): what they write
 * then costs the commit's bytes once, not twice. Anything not kept, or not plain, is written by
 * `JSON.stringify`.
 */
export function changesJson(changes: readonly Change[]): string {
  try {
    if (!Array.isArray(changes) || Object.getPrototypeOf(changes) !== Array.prototype || "toJSON" in changes)
      throw WHOLE;
    let text = "";
    for (let index = 0; index < changes.length; index++) {
      text += `${index === 0 ? "" : ","}${changeJson(changes[index])}`;
    }
    return `[${text}]`;
  } catch (error) {
    if (error !== WHOLE) throw error;
    return JSON.stringify(changes);
  }
}

/** One change's text; throws {@link WHOLE} where only `JSON.stringify` of the array writes it right. */
function changeJson(change: unknown): string {
  if (!isPlainRecord(change)) throw WHOLE;
  const record = change.type === "module.put" ? change.record : undefined;
  const text = isPlainRecord(record) ? textFor(record) : undefined;
  if (record === undefined || text === undefined) return JSON.stringify(change);
  return recordJson(change, (key, value) =>
    key === "record" && value === record
      ? recordJson(record as Readonly<Record<string, unknown>>, (member, payload) =>
          member === "payload" && payload === (record as Readonly<Record<string, unknown>>).payload ? text : undefined,
        )
      : undefined,
  );
}
