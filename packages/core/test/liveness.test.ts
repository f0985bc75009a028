// Leases, heartbeats, expiry and deregistration (RULES.md L1-L7), on fake timers: every wait is
// an advance of the fake clock, never a sleep.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRegistry, type RegistryEvent, type RegistryStore } from "../src/index.js";
import { payload, scratchStore } from "./support.js";

/** The monotonic clock the registries read: fake `performance.now`, plus a jump for pauses. */
let paused = 0;
const monotonic = () => performance.now() + paused;

beforeEach(() => {
  paused = 0;
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Moves the clocks on `seconds`, one second at a time, letting every sweep and commit run. */
async function pass(seconds: number) {
  for (let i = 0; i < seconds; i++) await vi.advanceTimersByTimeAsync(1_000);
}

async function started(store: RegistryStore = scratchStore(), leases = { min: 10, max: 600, grace: 30 }) {
  const registry = createRegistry({ store, monotonic, leases });
  await registry.start();
  const events: RegistryEvent[] = [];
  registry.subscribe((e) => events.push(e));
  return { registry, store, events };
}

const leased = async (registry: Awaited<ReturnType<typeof started>>["registry"], name: string, lease = 20) => {
  const result = await registry.register({ payload: payload(name, "1.0.0", [`${name}-run`]) }, "t", { lease });
  if (!result.ok) throw new Error(`${name} refused: ${JSON.stringify(result.errors)}`);
  return result;
};

describe("MRS-L1 leases on registration", () => {
  it("grants the lease asked for, clamped to the bounds, with its expiry", async () => {
    const { registry } = await started();
    const now = Date.now();
    expect((await leased(registry, "a", 20)).lease).toEqual({
      seconds: 20,
      state: "live",
      expiresAt: new Date(now + 20_000).toISOString(),
    });
    expect((await leased(registry, "b", 1)).lease?.seconds).toBe(10);
    expect((await leased(registry, "c", 10_000)).lease?.seconds).toBe(600);
    expect(registry.module("c")?.lease).toEqual({ seconds: 600 });
  });

  it("refuses a lease that is not a positive integer with INVALID_LEASE, and stores nothing", async () => {
    const { registry } = await started();
    for (const lease of [0, -5, 1.5, Number.NaN]) {
      const result = await registry.register({ payload: payload("a", "1.0.0") }, "t", { lease });
      expect(result.ok ? null : result.errors.map((e) => [e.code, e.rule])).toEqual([["INVALID_LEASE", "L1"]]);
    }
    expect(registry.modules()).toEqual([]);
  });

  it("without a lease a module lives for the session", async () => {
    const { registry } = await started();
    const result = await registry.register({ payload: payload("a", "1.0.0") }, "t");
    expect(result.ok && result.lease).toBe(undefined);
    await pass(1_000);
    expect(registry.module("a")?.state).toBeUndefined();
  });
});

describe("MRS-L2 heartbeats", () => {
  it("renews the lease for its full length, with no commit to the store", async () => {
    const store = scratchStore();
    const { registry } = await started(store);
    await leased(registry, "a", 20);
    await pass(15);
    const commits = store.commits;
    const beat = await registry.heartbeat("a");
    expect(beat).toMatchObject({ ok: true, module: "a", version: "1.0.0" });
    expect(beat.ok && beat.lease.expiresAt).toBe(new Date(Date.now() + 20_000).toISOString());
    await pass(15);
    expect(registry.module("a")?.state).toBeUndefined();
    expect(store.commits).toBe(commits);
  });

  it("refuses a name not held, another version, and a module without a lease", async () => {
    const { registry } = await started();
    await leased(registry, "a");
    await registry.register({ payload: payload("plain", "1.0.0") }, "t");
    const codes = async (name: string, version?: string) => {
      const r = await registry.heartbeat(name, version === undefined ? {} : { version });
      return r.ok ? [] : r.errors.map((e) => [e.code, e.rule]);
    };
    expect(await codes("nobody")).toEqual([["UNKNOWN_MODULE", "L4"]]);
    expect(await codes("a", "0.9.0")).toEqual([["VERSION_SUPERSEDED", "S4"]]);
    expect(await codes("plain")).toEqual([["NO_LEASE", "L2"]]);
  });

  it("a heartbeat for another version renews nothing", async () => {
    const { registry } = await started();
    await leased(registry, "a", 20);
    await pass(15);
    await registry.heartbeat("a", { version: "2.0.0" });
    await pass(6);
    expect(registry.module("a")?.state).toBe("expired");
  });
});

describe("MRS-L3 expiry in two steps", () => {
  it("expired at most 1 s after the deadline: listed, not resolvable; removed after the grace period", async () => {
    const { registry, events } = await started();
    await leased(registry, "a", 20);
    await pass(19);
    expect(registry.module("a")?.state).toBeUndefined();
    await pass(2);
    expect(registry.module("a")?.state).toBe("expired");
    expect(registry.modules().map((m) => m.state)).toEqual(["expired"]);
    expect(registry.capabilities()).toEqual([]);
    for (const ref of ["a-run", "a/a-run"]) {
      const resolved = registry.resolveAction(ref);
      expect(resolved.ok ? [] : resolved.errors.map((e) => [e.code, e.rule])).toEqual([["MODULE_EXPIRED", "L3"]]);
    }
    const input = registry.validateInput("a-run", { msg: "x" });
    expect(input.valid ? [] : input.errors.map((e) => e.code)).toEqual(["MODULE_EXPIRED"]);
    expect(registry.decisions().at(-1)).toMatchObject({ outcome: "expired", module: "a", rule: "L3" });
    await pass(28);
    expect(registry.module("a")).toBeDefined();
    await pass(3);
    expect(registry.module("a")).toBeUndefined();
    expect(registry.decisions().at(-1)).toMatchObject({ outcome: "removed", module: "a", rule: "L3" });
    expect(events.filter((e) => e.type === "module").map((e) => (e.type === "module" ? e.action : ""))).toEqual([
      "put",
      "expired",
      "removed",
    ]);
    expect(events.every((e, i) => i === 0 || e.revision === (events[i - 1]?.revision ?? 0) + 1)).toBe(true);
  });

  it("a heartbeat in the grace period makes it live again, a recorded decision", async () => {
    const { registry } = await started();
    await leased(registry, "a", 20);
    await pass(22);
    expect(registry.module("a")?.state).toBe("expired");
    const beat = await registry.heartbeat("a", { source: "http:10.0.0.9" });
    expect(beat.ok).toBe(true);
    expect(registry.module("a")?.state).toBeUndefined();
    expect(registry.resolveAction("a-run").ok).toBe(true);
    expect(registry.decisions().at(-1)).toMatchObject({ outcome: "revived", source: "http:10.0.0.9", rule: "L3" });
    await pass(15);
    expect(registry.module("a")?.state).toBeUndefined();
  });
});

describe("MRS-L4 MRS-L5 deregistration and registering again", () => {
  it("takes a module out at once, a recorded decision; unknown names are refused", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("a", "2.0.0") }, "t");
    const result = await registry.deregister("a", { source: "http:ops" });
    expect(result).toMatchObject({ ok: true, decision: { outcome: "deregistered", module: "a", rule: "L4" } });
    expect(registry.module("a")).toBeUndefined();
    const again = await registry.deregister("a");
    expect(again.ok ? [] : again.errors.map((e) => e.code)).toEqual(["UNKNOWN_MODULE"]);
  });

  it("a name deregistered or removed registers again with any version: a new registration (S2)", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("a", "2.0.0") }, "t");
    await registry.deregister("a");
    expect(await registry.register({ payload: payload("a", "1.0.0") }, "t")).toMatchObject({ outcome: "accepted" });
    await leased(registry, "b", 10);
    await pass(45);
    expect(registry.module("b")).toBeUndefined();
    expect(await registry.register({ payload: payload("b", "0.1.0") }, "t")).toMatchObject({ outcome: "accepted" });
  });
});

describe("MRS-S10 a new session and the leases", () => {
  it("forgets the last session's leases: none is held, and no sweep is left running", async () => {
    const { registry } = await started();
    await leased(registry, "a", 20);
    await leased(registry, "b", 30);
    await registry.refresh();
    expect(registry.module("a")).toBeUndefined();
    await pass(2);
    // The sweep runs only while a lease is held: with the old session's leases kept, it would
    // go on every second for modules the new session does not hold.
    expect(vi.getTimerCount()).toBe(0);
    expect((await leased(registry, "a", 20)).lease?.state).toBe("live");
    expect(vi.getTimerCount()).toBe(1);
  });
});

describe("MRS-L6 guards against expiring everything at once", () => {
  it("a change of the wall clock expires nothing: leases run on the monotonic clock", async () => {
    const { registry } = await started();
    await leased(registry, "a", 20);
    vi.setSystemTime(Date.now() + 86_400_000);
    await pass(5);
    expect(registry.module("a")?.state).toBeUndefined();
  });

  it("after the LOM itself was away longer than the shortest lease, every lease gets its full length again", async () => {
    const { registry } = await started();
    await leased(registry, "a", 20);
    await leased(registry, "b", 60);
    paused += 3_600_000; // an hour without a sweep: a stopped process, a suspended machine
    await pass(1);
    expect(registry.modules().map((m) => m.state)).toEqual([undefined, undefined]);
    await pass(19);
    expect(registry.module("a")?.state).toBeUndefined();
    await pass(2);
    expect(registry.module("a")?.state).toBe("expired");
    expect(registry.module("b")?.state).toBeUndefined();
  });

  it("when many leases run out at once, at most 10% (and at least 5) expire per sweep", async () => {
    const { registry } = await started();
    for (let i = 0; i < 40; i++) await leased(registry, `m${i}`, 20);
    for (let i = 0; i < 20; i++) await registry.register({ payload: payload(`plain${i}`, "1.0.0") }, "t");
    // 60 live modules: at most 6 in the first sweep, then 10% of the 54 left live (5).
    await pass(20);
    const expired = () => registry.modules().filter((m) => m.state === "expired").length;
    expect(expired()).toBe(6);
    await pass(1);
    expect(expired()).toBe(11);
    await pass(10);
    expect(expired()).toBe(40);
  });

  it("two registries on one store decide each expiry once", async () => {
    const store = scratchStore();
    const one = await started(store);
    const two = await started(store);
    await leased(one.registry, "a", 10);
    await two.registry.reload();
    await pass(12);
    await one.registry.reload();
    await two.registry.reload();
    const expiries = one.registry.decisions().filter((d) => d.outcome === "expired");
    expect(expiries).toHaveLength(1);
    expect(two.registry.decisions().filter((d) => d.outcome === "expired")).toEqual(expiries);
    expect(two.registry.module("a")?.state).toBe("expired");
  });

  it("a heartbeat another LOM received renews the lease here too (through the store's heartbeat channel)", async () => {
    const inner = scratchStore();
    const beats = new Set<(module: string) => void>();
    const shared = (): RegistryStore => ({
      ...inner,
      name: "shared",
      load: () => inner.load(),
      commit: (expected, changes) => inner.commit(expected, changes),
      changesSince: (since, limit) => inner.changesSince(since, limit),
      publishHeartbeat: async (module) => {
        for (const beat of beats) beat(module);
      },
      watchHeartbeats: (onBeat) => {
        beats.add(onBeat);
        return () => beats.delete(onBeat);
      },
    });
    const one = await started(shared());
    const two = await started(shared());
    await leased(one.registry, "a", 10);
    await two.registry.reload();
    await pass(8);
    expect((await one.registry.heartbeat("a")).ok).toBe(true);
    await pass(8);
    await two.registry.reload();
    expect(two.registry.module("a")?.state).toBeUndefined();
    expect(one.registry.module("a")?.state).toBeUndefined();
  });
});
