import { applyChanges, type Change } from "@rune/mrs-core";
import { sampleChanges } from "@rune/mrs-testkit";
import { describe, expect, it } from "vitest";
import { encodeSnapshot } from "./catalog-format.js";
import { type EncodedValues, encodeRecord } from "./journal-format.js";

describe("a new store's first commit is encoded once", () => {
  const changes: Change[] = [
    ...sampleChanges(3),
    { type: "module.state", module: "module-1", state: "expired" },
    { type: "module.removed", module: "module-2" },
  ];

  it("writes the same record bytes while keeping its values' text", () => {
    const encoded: EncodedValues = new Map();
    expect(encodeRecord(1, changes, encoded).equals(encodeRecord(1, changes))).toBe(true);
    // The session, three decisions, three module records.
    expect(encoded.size).toBe(7);
    for (const [value, text] of encoded) expect(text).toBe(JSON.stringify(value));
  });

  it("writes the same snapshot from the kept text as from the values", () => {
    const encoded: EncodedValues = new Map();
    encodeRecord(1, changes, encoded);
    const data = applyChanges(null, changes);
    expect(encodeSnapshot(changes.length, data, encoded)).toBe(encodeSnapshot(changes.length, data));
    expect(JSON.parse(encodeSnapshot(changes.length, data, encoded)).data).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it("takes a value's text from the record, not from encoding it again", () => {
    const encoded: EncodedValues = new Map();
    encodeRecord(1, changes, encoded);
    const data = applyChanges(null, changes);
    const record = data.modules["module-0"];
    // A marker where the record's text is: the snapshot holds it, so the text was not remade.
    encoded.set(record as object, '{"marker":true}');
    expect(JSON.parse(encodeSnapshot(1, data, encoded)).data.modules["module-0"]).toEqual({ marker: true });
  });

  it("leaves out what JSON leaves out of a change, as JSON.stringify does", () => {
    const odd = [{ type: "module.removed", module: "m", note: undefined }] as unknown as Change[];
    expect(encodeRecord(1, odd, new Map()).equals(encodeRecord(1, odd))).toBe(true);
  });
});
