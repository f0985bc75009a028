// The registry on a log of changes (RULES.md R1): commits hold only what changed, registrations
// that arrive together share one commit, and a registry follows what other writers commit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CatalogIndex } from "../src/catalog.js";
import {
  applyChanges,
  type Change,
  type ChangesPage,
  createRegistry,
  MAX_DECISIONS,
  type RegisterResult,
  type RegistryEvent,
  type RegistryStore,
} from "../src/index.js";
import { payload, scratchStore, steppingClock } from "./support.js";

/** A store that records every batch committed to it. */
function recording(inner: RegistryStore = scratchStore()) {
  const batches: (readonly Change[])[] = [];
  const store: RegistryStore = {
    name: "recording",
    load: () => inner.load(),
    changesSince: (since, limit) => inner.changesSince(since, limit),
    async commit(expected, changes) {
      const result = await inner.commit(expected, changes);
      if (result.ok) batches.push(changes);
      return result;
    },
  };
  return { store, batches };
}

describe("MRS-R1 a commit holds only what changed", () => {
  it("an accepted registration commits its decision and its module; a rejection its decision alone", async () => {
    const { store, batches } = recording();
    const registry = createRegistry({ store, clock: steppingClock() });
    await registry.start();
    expect(batches.map((b) => b.map((c) => c.type))).toEqual([["session.opened"]]);
    await registry.register({ payload: payload("echo", "1.0.0") }, "t");
    await registry.register({ payload: payload("echo", "0.9.0") }, "t");
    await registry.register({ payload: payload("echo", "1.1.0") }, "t");
    expect(batches.slice(1).map((b) => b.map((c) => c.type))).toEqual([
      ["decision.recorded", "module.put"],
      ["decision.recorded"],
      ["decision.recorded", "module.put"],
    ]);
    expect(registry.revision).toBe(6);
  });

  it("the revision grows by one per change and events carry it", async () => {
    const registry = createRegistry({ store: scratchStore(), clock: steppingClock() });
    const events: RegistryEvent[] = [];
    registry.subscribe((e) => events.push(e));
    await registry.start();
    await registry.register({ payload: payload("echo", "1.0.0") }, "t");
    await registry.register({ payload: payload("echo", "1.0.0") }, "t");
    expect(events.map((e) => [e.type, e.revision])).toEqual([
      ["session", 1],
      ["decision", 2],
      ["module", 3],
      ["decision", 4],
    ]);
    expect(events[2]).toMatchObject({ module: "echo", record: { source: "t" } });
  });
});

describe("MRS-R1 group commit", () => {
  it("200 registrations arriving together are decided in order and committed in one batch", async () => {
    const { store, batches } = recording();
    const registry = createRegistry({ store, clock: steppingClock() });
    await registry.start();
    const names = Array.from({ length: 200 }, (_, i) => `module-${i}`);
    const results = await Promise.all(names.map((name) => registry.register({ payload: payload(name, "1.0.0") }, "t")));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(batches).toHaveLength(2);
    expect(registry.modules()).toHaveLength(200);
  });

  it("registrations handed over in separate callbacks of one event-loop turn share one commit", async () => {
    const { store, batches } = recording();
    const registry = createRegistry({ store, clock: steppingClock() });
    await registry.start();
    // As a server reads ten requests in one poll: each in a callback of its own, with the
    // promises settled between them.
    const results = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) =>
          new Promise<RegisterResult>((resolve) => {
            setImmediate(() => resolve(registry.register({ payload: payload(`module-${i}`, "1.0.0") }, "t")));
          }),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(batches).toHaveLength(2);
    expect(batches[1]).toHaveLength(20);
  });

  it("a close() asked for right after a registration waits for its commit", async () => {
    const { store, batches } = recording();
    const registry = createRegistry({ store, clock: steppingClock() });
    await registry.start();
    const registered = registry.register({ payload: payload("echo", "1.0.0") }, "t");
    await registry.close();
    expect((await registered).ok).toBe(true);
    expect(batches).toHaveLength(2);
  });

  it("MRS-S5 MRS-S7 in one batch, later registrations see earlier ones: same answers as one by one", async () => {
    const registry = createRegistry({ store: scratchStore(), clock: steppingClock() });
    await registry.start();
    const results = await Promise.all(
      ["1.0.0", "1.0.0", "0.5.0", "2.0.0"].map((v) => registry.register({ payload: payload("echo", v) }, "t")),
    );
    expect(results.map((r) => (r.ok ? r.outcome : r.errors[0]?.code))).toEqual([
      "accepted",
      "DUPLICATE_REGISTRATION",
      "VERSION_SUPERSEDED",
      "upgraded",
    ]);
  });

  it("MRS-S11 a failed group commit fails every registration of the batch, and the next works", async () => {
    const store = scratchStore();
    const registry = createRegistry({ store, clock: steppingClock() });
    await registry.start();
    store.fail = true;
    const failed = await Promise.all(["a", "b"].map((n) => registry.register({ payload: payload(n, "1.0.0") }, "t")));
    expect(failed.map((r) => (r.ok ? "ok" : r.errors[0]?.code))).toEqual(["STORE_UNAVAILABLE", "STORE_UNAVAILABLE"]);
    store.fail = false;
    expect((await registry.register({ payload: payload("a", "1.0.0") }, "t")).ok).toBe(true);
    expect(registry.modules().map((m) => m.payload.registration_metadata.module_name)).toEqual(["a"]);
  });
});

describe("MRS-R1 following other writers", () => {
  it("reload applies only the changes committed since, and passes them on as events", async () => {
    const store = scratchStore();
    const one = createRegistry({ store, clock: steppingClock() });
    const two = createRegistry({ store, clock: steppingClock() });
    await one.start();
    await two.start();
    const events: RegistryEvent[] = [];
    two.subscribe((e) => events.push(e));
    await one.register({ payload: payload("echo", "1.0.0") }, "one");
    await two.reload();
    expect(two.module("echo")?.source).toBe("one");
    expect(two.revision).toBe(one.revision);
    expect(events).toEqual([
      expect.objectContaining({ type: "decision", revision: 2 }),
      expect.objectContaining({ type: "module", revision: 3, module: "echo" }),
    ]);
    const page = await two.changes(1);
    expect(page.ok ? page.changes.map((c) => [c.revision, c.type]) : page).toEqual([
      [2, "decision.recorded"],
      [3, "module.put"],
    ]);
  });

  it("MRS-R3 a registry whose revision was compacted away reads the whole state again", async () => {
    const inner = scratchStore();
    let compact = false;
    const store: RegistryStore = {
      ...inner,
      name: "compacting",
      load: () => inner.load(),
      commit: (expected, changes) => inner.commit(expected, changes),
      changesSince: async (since, limit): Promise<ChangesPage> =>
        compact ? { ok: false, compacted: true, oldest: 99 } : inner.changesSince(since, limit),
    };
    const writer = createRegistry({ store: inner, clock: steppingClock() });
    const reader = createRegistry({ store, clock: steppingClock() });
    await writer.start();
    await reader.start();
    await writer.register({ payload: payload("echo", "1.0.0") }, "w");
    compact = true;
    await reader.reload();
    expect(reader.module("echo")).toBeDefined();
    expect(reader.revision).toBe(writer.revision);
  });
});

describe("decisions, newest pages first", () => {
  it("limit gives the newest, before pages back, module filters; all oldest first", async () => {
    const registry = createRegistry({ store: scratchStore(), clock: steppingClock() });
    await registry.start();
    for (let i = 0; i < 5; i++) await registry.register({ payload: payload(i % 2 ? "odd" : "even", `1.${i}.0`) }, "t");
    const all = registry.decisions();
    expect(all.map((d) => d.version)).toEqual(["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"]);
    const last = registry.decisions({ limit: 2 });
    expect(last.map((d) => d.version)).toEqual(["1.3.0", "1.4.0"]);
    const back = registry.decisions({ limit: 2, before: last[0]?.id });
    expect(back.map((d) => d.version)).toEqual(["1.1.0", "1.2.0"]);
    expect(registry.decisions({ module: "odd" }).map((d) => d.version)).toEqual(["1.1.0", "1.3.0"]);
    expect(registry.decisions({ before: "no-such-id" })).toEqual([]);
  });

  it("MRS-S9 the state keeps the latest MAX_DECISIONS decisions", () => {
    const session = { id: "s", startedAt: "2026-01-01T00:00:00Z" };
    const decision = (i: number) => ({
      type: "decision.recorded" as const,
      decision: {
        id: `d${i}`,
        sessionId: "s",
        at: session.startedAt,
        source: "t",
        outcome: "rejected" as const,
        module: null,
        version: null,
        errors: [],
        warnings: [],
      },
    });
    const state = applyChanges(null, [{ type: "session.opened", session }]);
    applyChanges(
      state,
      Array.from({ length: MAX_DECISIONS + 5 }, (_, i) => decision(i)),
    );
    expect(state.decisions).toHaveLength(MAX_DECISIONS);
    expect(state.decisions[0]?.id).toBe("d5");
    // One commit at a time (the common case, a few dropped each time), then many at once.
    for (let i = MAX_DECISIONS + 5; i < MAX_DECISIONS + 105; i++) applyChanges(state, [decision(i)]);
    expect(state.decisions).toHaveLength(MAX_DECISIONS);
    expect(state.decisions[0]?.id).toBe("d105");
    applyChanges(
      state,
      Array.from({ length: 300 }, (_, i) => decision(MAX_DECISIONS + 105 + i)),
    );
    expect(state.decisions).toHaveLength(MAX_DECISIONS);
    expect(state.decisions[0]?.id).toBe("d405");
    expect(state.decisions.at(-1)?.id).toBe(`d${MAX_DECISIONS + 404}`);
  });
});

describe("MRS-S8 the catalog index follows changes", () => {
  const put = (name: string, version: string, actions: string[]): Change => ({
    type: "module.put",
    record: { payload: payload(name, version, actions) as never, source: "t", acceptedAt: "x", decisionId: "d" },
  });
  const step = fc.oneof(
    fc
      .tuple(fc.constantFrom("a", "b", "c", "d"), fc.subarray(["run", "stop", "scan"], { minLength: 1 }), fc.nat(9))
      .map(([name, actions, minor]) => put(name, `1.${minor}.0`, actions)),
    fc.constantFrom("a", "b", "c", "d").map((module): Change => ({ type: "module.removed", module })),
  );

  it("after any sequence of puts and removals, the index answers as one built from scratch", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (changes) => {
        const opened: Change = { type: "session.opened", session: { id: "s", startedAt: "x" } };
        const state = applyChanges(null, [opened]);
        const index = new CatalogIndex(state);
        for (const change of changes) {
          applyChanges(state, [change]);
          index.apply([change], state);
        }
        const fresh = new CatalogIndex(state);
        expect(index.modules).toEqual(fresh.modules);
        expect(index.capabilities).toEqual(fresh.capabilities);
        for (const ref of ["run", "stop", "scan", "a/run", "b/stop"]) {
          expect(index.resolveAction(ref)).toEqual(fresh.resolveAction(ref));
        }
      }),
      { numRuns: 300 },
    );
  });
});
