import { type Change, createRegistry, type RegistryStore } from "@rune/mrs-core";
import { samplePayload, storeChecks, testSource, testStore } from "@rune/mrs-testkit";
import { describe, expect, it } from "vitest";
import { memorySource, memoryStore } from "./index.js";

testStore("memory", { create: () => memoryStore() });

testSource("memory", {
  create: (entries) => memorySource(entries.map((e) => ({ name: e.name, text: e.content }))),
  store: () => memoryStore(),
});

describe("the conformance suite catches a broken store", () => {
  // A store that ignores the revision it is given: the classic lost-update bug.
  const careless = (): RegistryStore => {
    const inner = memoryStore();
    return {
      name: "careless",
      load: () => inner.load(),
      changesSince: (since, limit) => inner.changesSince(since, limit),
      async commit(_expected, changes) {
        return inner.commit((await inner.load())?.revision ?? 0, changes);
      },
    };
  };
  const options = { largeCatalog: 10, writers: 4, writesEach: 3, changesKept: 10_000 };
  for (const name of [
    "MRS-R1 a commit that names a stale revision is refused and changes nothing",
    "MRS-R1 two handles on the same backing share one sequence of revisions",
  ]) {
    it(`fails "${name}"`, async () => {
      const check = storeChecks.find((c) => c.name === name);
      expect(check).toBeDefined();
      await expect(check?.run({ create: careless }, options)).rejects.toThrow();
    });
  }
});

describe("memorySource", () => {
  it("hands over values added later, and tells watchers", async () => {
    const source = memorySource();
    let calls = 0;
    source.watch?.(() => {
      calls += 1;
    });
    source.add({ name: "echo", payload: samplePayload("echo") });
    const registry = createRegistry({ store: memoryStore(), sources: [source] });
    await registry.start();
    expect(registry.module("echo")?.source).toBe("memory:echo");
    source.remove("echo");
    expect(await source.discover()).toEqual([]);
    expect(calls).toBe(2);
  });

  it("freezes a value handed over, deeply, and hands out that same object: no copy, and nobody changes it after", async () => {
    const mine = samplePayload("echo", "1.0.0");
    const source = memorySource([{ name: "echo", payload: mine }]);
    expect(Object.isFrozen(mine.registration_metadata)).toBe(true);
    expect(() => {
      mine.registration_metadata.module_version = "2.0.0";
    }).toThrow(TypeError);
    const [found] = await source.discover();
    expect(found && "payload" in found ? found.payload : undefined).toBe(mine);
    const registry = createRegistry({ store: memoryStore(), sources: [source] });
    await registry.start();
    expect(registry.module("echo")?.payload).toBe(mine);
  });
  it("freezes the inside of a value that was frozen only at its top, and a frozen cycle ends", async () => {
    const mine = samplePayload("echo", "1.0.0");
    Object.freeze(mine);
    const cycle: Record<string, unknown> = { mine };
    cycle.self = Object.freeze({ cycle });
    Object.freeze(cycle);
    memorySource([
      { name: "echo", payload: mine },
      { name: "cycle", payload: cycle },
    ]);
    expect(Object.isFrozen(mine.registration_metadata)).toBe(true);
    expect(Object.isFrozen(mine.capabilities[0]?.input_schema)).toBe(true);
  });
});

describe("memoryStore", () => {
  it("freezes what it keeps: changes read back cannot be edited, and a value no backend could store fails the commit", async () => {
    const store = memoryStore();
    const registry = createRegistry({
      store,
      sources: [memorySource([{ name: "echo", payload: samplePayload("echo") }])],
    });
    await registry.start();
    const page = await store.changesSince(0);
    const put = page.ok ? page.changes.find((change) => change.type === "module.put") : undefined;
    expect(put && Object.isFrozen(put.record.payload.capabilities[0]?.input_schema)).toBe(true);
    const revision = (await store.load())?.revision ?? 0;
    const unstorable = { type: "decision.recorded", decision: { id: 1n } } as unknown as Change;
    await expect(store.commit(revision, [unstorable])).rejects.toThrow(TypeError);
    expect((await store.load())?.revision).toBe(revision);
  });
});
