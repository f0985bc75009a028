// changesJson: the text of a commit, as `JSON.stringify` writes it, with the payloads the
// registry already wrote taken from that text (RULES.md R1: a commit costs what it changes, and
// its payloads are written once).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { heldPayloadJson, holdPayloadJson, releasePayloadJson } from "../src/change-json.js";
import {
  type Change,
  changesJson,
  createRegistry,
  type ModuleRecord,
  type RegistryStore,
  type Session,
} from "../src/index.js";
import { payload, scratchStore, steppingClock } from "./support.js";

const session: Session = { id: "s-1", startedAt: "2026-01-01T00:00:00.000Z" };

function record(name: string, extra: Partial<ModuleRecord> = {}): ModuleRecord {
  return {
    payload: payload(name, "1.0.0") as unknown as ModuleRecord["payload"],
    source: `test:${name}`,
    acceptedAt: "2026-01-01T00:00:00.000Z",
    decisionId: `d-${name}`,
    ...extra,
  };
}

/** The last item of a list that must not be empty. */
function lastOf<T>(items: readonly T[]): T {
  const item = items.at(-1);
  if (item === undefined) throw new Error("expected at least one item");
  return item;
}

function sample(): Change[] {
  return [
    { type: "session.opened", session },
    { type: "module.put", record: record("echo") },
    { type: "module.put", record: record("leased", { lease: { seconds: 30 } }) },
    { type: "module.state", module: "echo", state: "expired" },
    { type: "module.removed", module: "echo" },
  ];
}

describe("MRS-R1 changesJson writes a commit as JSON.stringify does", () => {
  it("is JSON.stringify's text when no payload text is held", () => {
    const changes = sample();
    expect(changesJson(changes)).toBe(JSON.stringify(changes));
    expect(changesJson([])).toBe("[]");
  });

  it("is JSON.stringify's text when the payloads' texts are held, and takes them from what is held", () => {
    const changes = sample();
    const puts = changes.filter((c): c is Extract<Change, { type: "module.put" }> => c.type === "module.put");
    for (const put of puts) holdPayloadJson(put.record, JSON.stringify(put.record.payload));
    expect(changesJson(changes)).toBe(JSON.stringify(changes));
    // Proof that the held text is what is written: a marker in its place shows up in the output.
    holdPayloadJson(lastOf(puts.slice(0, 1)).record, '"held"');
    expect(changesJson(changes)).toContain('{"type":"module.put","record":{"payload":"held","source":"test:echo"');
    releasePayloadJson(changes);
    expect(puts.map((put) => heldPayloadJson(put.record))).toEqual([undefined, undefined]);
    expect(changesJson(changes)).toBe(JSON.stringify(changes));
  });

  it("ignores a text held for a payload the record no longer holds", () => {
    const put = { type: "module.put", record: record("echo") } as { type: "module.put"; record: ModuleRecord };
    holdPayloadJson(put.record, '"stale"');
    (put.record as { payload: unknown }).payload = payload("echo", "2.0.0");
    expect(changesJson([put])).toBe(JSON.stringify([put]));
  });

  it("leaves what is not plain data to JSON.stringify, throwing where it throws", () => {
    const withToJson = { type: "module.removed", module: "x", toJSON: (key: string) => `key ${key}` };
    expect(changesJson([withToJson as unknown as Change])).toBe(JSON.stringify([withToJson]));
    const put = { type: "module.put", record: { ...record("big"), extra: 1n } } as unknown as Change;
    holdPayloadJson((put as { record: ModuleRecord }).record, "{}");
    expect(() => changesJson([put])).toThrow(TypeError);
  });

  it("matches JSON.stringify for any JSON payload held as its own text", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 4 }), fc.boolean(), (payloads, leased) => {
        const changes: Change[] = payloads.map((value, index) => ({
          type: "module.put",
          record: {
            ...record(`m${index}`, leased ? { lease: { seconds: index + 1 } } : {}),
            payload: value as ModuleRecord["payload"],
          },
        }));
        for (const change of changes) {
          if (change.type === "module.put") holdPayloadJson(change.record, JSON.stringify(change.record.payload));
        }
        expect(changesJson(changes)).toBe(JSON.stringify(changes));
      }),
    );
  });
});

describe("MRS-R1 the registry keeps a payload's text for its commit only", () => {
  /** A store that writes each commit with changesJson, noting whether each payload's text was held. */
  function writing(inner: RegistryStore = scratchStore()) {
    const written: { text: string; expected: string; held: boolean[]; records: ModuleRecord[] }[] = [];
    const store: RegistryStore = {
      name: "writing",
      writesJson: true,
      load: () => inner.load(),
      changesSince: (since, limit) => inner.changesSince(since, limit),
      commit(expected, changes) {
        const records = changes.flatMap((c) => (c.type === "module.put" ? [c.record] : []));
        written.push({
          text: changesJson(changes),
          expected: JSON.stringify(changes),
          held: records.map((r) => heldPayloadJson(r) !== undefined),
          records,
        });
        return inner.commit(expected, changes);
      },
    };
    return { store, written };
  }

  it("a registration sent as text commits its payload from the digest's text, then lets go of it", async () => {
    const { store, written } = writing();
    const registry = createRegistry({ store, clock: steppingClock() });
    await registry.start();
    const result = await registry.register({ text: JSON.stringify(payload("echo", "1.0.0")) }, "t");
    expect(result.outcome).toBe("accepted");
    const commit = lastOf(written);
    expect(commit.held).toEqual([true]);
    expect(commit.text).toBe(commit.expected);
    expect(commit.records.map((r) => heldPayloadJson(r))).toEqual([undefined]);
    await registry.close();
  });

  it("a payload handed over as a value it does not own is copied, and written by JSON.stringify", async () => {
    const { store, written } = writing();
    const registry = createRegistry({ store, clock: steppingClock() });
    await registry.start();
    await registry.register({ payload: payload("echo", "1.0.0") }, "t");
    const commit = lastOf(written);
    expect(commit.held).toEqual([false]);
    expect(commit.text).toBe(commit.expected);
    await registry.close();
  });

  it("a store that does not write JSON gets no text kept: the payload is only its value", async () => {
    const { store, written } = writing();
    const registry = createRegistry({ store: { ...store, writesJson: false }, clock: steppingClock() });
    await registry.start();
    const result = await registry.register({ text: JSON.stringify(payload("echo", "1.0.0")) }, "t");
    expect(result.outcome).toBe("accepted");
    const commit = lastOf(written);
    expect(commit.held).toEqual([false]);
    expect(commit.text).toBe(commit.expected);
    await registry.close();
  });

  it("a commit that fails lets go of the texts too", async () => {
    const inner = scratchStore();
    const { store, written } = writing(inner);
    const registry = createRegistry({ store, clock: steppingClock() });
    await registry.start();
    inner.fail = true;
    const result = await registry.register({ text: JSON.stringify(payload("echo", "1.0.0")) }, "t");
    expect(result.ok).toBe(false);
    const commit = lastOf(written);
    expect(commit.held).toEqual([true]);
    expect(commit.records.map((r) => heldPayloadJson(r))).toEqual([undefined]);
    await registry.close();
  });
});
