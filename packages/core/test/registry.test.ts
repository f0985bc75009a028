import { describe, expect, it } from "vitest";
import { createRegistry, freezeDeep, type RegistrationSource, type RegistryEvent } from "../src/index.js";
import { payload, scratchStore, steppingClock } from "./support.js";

async function started(sources: RegistrationSource[] = []) {
  const store = scratchStore();
  const registry = createRegistry({ store, sources, clock: steppingClock() });
  await registry.start();
  return { store, registry };
}

const codes = (r: { ok: boolean; errors?: readonly { code: string }[] }) =>
  r.ok ? [] : (r.errors ?? []).map((e) => e.code);

describe("sessions and resolution", () => {
  it("MRS-S2 accepts a name new in the session", async () => {
    const { registry } = await started();
    const r = await registry.register({ payload: payload("echo", "1.0.0") }, "test");
    expect(r).toMatchObject({ ok: true, outcome: "accepted", module: "echo", version: "1.0.0" });
    expect(registry.modules().map((m) => m.payload.registration_metadata.module_name)).toEqual(["echo"]);
  });

  it("MRS-S1 MRS-S3 a higher version replaces the one held, which is kept as superseded", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "1.0.0") }, "test");
    const r = await registry.register({ payload: payload("echo", "1.1.0") }, "test");
    expect(r).toMatchObject({ ok: true, outcome: "upgraded", previousVersion: "1.0.0" });
    expect(registry.modules()).toHaveLength(1);
    expect(registry.module("echo")?.payload.registration_metadata.module_version).toBe("1.1.0");
  });

  it("MRS-S4 rejects a lower version as VERSION_SUPERSEDED", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "2.0.0") }, "test");
    const r = await registry.register({ payload: payload("echo", "1.9.9") }, "test");
    expect(codes(r)).toEqual(["VERSION_SUPERSEDED"]);
    expect(r.ok ? null : r.errors[0]).toMatchObject({ rule: "S4", pointer: "/registration_metadata/module_version" });
  });

  it("MRS-S5 rejects an equal version as DUPLICATE_REGISTRATION and says when the payload is identical", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "1.0.0") }, "test");
    const same = await registry.register({ payload: payload("echo", "1.0.0") }, "test");
    expect(codes(same)).toEqual(["DUPLICATE_REGISTRATION"]);
    expect(same.ok ? null : same.errors[0]?.identical).toBe(true);
    const other = await registry.register({ payload: payload("echo", "1.0.0", ["other"]) }, "test");
    expect(other.ok ? null : other.errors[0]?.identical).toBe(false);
  });

  it("MRS-S5 treats versions that differ only in build metadata as equal precedence", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "1.0.0+build.1") }, "test");
    const r = await registry.register({ payload: payload("echo", "1.0.0+build.2") }, "test");
    expect(codes(r)).toEqual(["DUPLICATE_REGISTRATION"]);
  });

  it("MRS-S6 orders by SemVer precedence: a pre-release is lower than its release", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "1.9.9") }, "test");
    expect((await registry.register({ payload: payload("echo", "2.0.0-rc.1") }, "test")).ok).toBe(true);
    expect((await registry.register({ payload: payload("echo", "2.0.0") }, "test")).ok).toBe(true);
    expect(codes(await registry.register({ payload: payload("echo", "2.0.0-rc.2") }, "test"))).toEqual([
      "VERSION_SUPERSEDED",
    ]);
  });

  it("MRS-S7 ends with the same versions whatever the order of arrival", async () => {
    const set = [
      payload("a", "1.0.0"),
      payload("a", "1.2.0"),
      payload("b", "0.1.0-alpha"),
      payload("a", "1.1.0"),
      payload("b", "0.1.0"),
    ];
    const versions = async (order: typeof set) => {
      const { registry } = await started();
      for (const p of order) await registry.register({ payload: p }, "test");
      return registry
        .modules()
        .map((m) => `${m.payload.registration_metadata.module_name}@${m.payload.registration_metadata.module_version}`);
    };
    const expected = ["a@1.2.0", "b@0.1.0"];
    expect(await versions(set)).toEqual(expected);
    expect(await versions([...set].reverse())).toEqual(expected);
  });

  it("MRS-S9 records every decision with time, source and session id", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "1.0.0") }, "http:one");
    await registry.register({ payload: payload("echo", "0.9.0") }, "http:two");
    await registry.register({ text: "{not json" }, "http:three");
    const sessionId = registry.session().id;
    const all = registry.decisions();
    expect(all.map((d) => [d.outcome, d.source])).toEqual([
      ["accepted", "http:one"],
      ["rejected", "http:two"],
      ["rejected", "http:three"],
    ]);
    expect(all.every((d) => d.sessionId === sessionId && !Number.isNaN(Date.parse(d.at)))).toBe(true);
    expect(registry.decisions({ module: "echo" })).toHaveLength(2);
    expect(all[2]?.errors[0]?.code).toBe("INVALID_JSON");
  });

  it("MRS-S9 a rejected payload sent as text is recorded under its module name", async () => {
    const { registry } = await started();
    const bad = { ...payload("named", "1.0.0"), extra: true };
    await registry.register({ text: JSON.stringify(bad) }, "folder:named.json");
    expect(registry.decisions({ module: "named" })).toMatchObject([{ outcome: "rejected", version: "1.0.0" }]);
  });

  it("MRS-S11 a failing store fails the registration with STORE_UNAVAILABLE, and nothing is half-written", async () => {
    const { store, registry } = await started();
    store.fail = true;
    const r = await registry.register({ payload: payload("echo", "1.0.0") }, "test");
    expect(codes(r)).toEqual(["STORE_UNAVAILABLE"]);
    expect(registry.ready).toBe(false);
    expect(registry.modules()).toHaveLength(0);
    store.fail = false;
    const again = await registry.register({ payload: payload("echo", "1.0.0") }, "test");
    expect(again.ok).toBe(true);
    expect(registry.ready).toBe(true);
    expect(registry.decisions()).toHaveLength(1);
  });
});

describe("the session lives in the store", () => {
  it("a registry that restarts on the same store resumes its session with every acknowledged registration", async () => {
    const store = scratchStore();
    const first = createRegistry({ store });
    const opened = await first.start();
    expect(opened.resumed).toBe(false);
    await first.register({ payload: payload("echo", "1.0.0") }, "test");
    const second = createRegistry({ store });
    const resumed = await second.start();
    expect(resumed.resumed).toBe(true);
    expect(resumed.session.id).toBe(opened.session.id);
    expect(second.module("echo")).toBeDefined();
  });

  it("a restart rediscovering what the session decided on finds it unchanged: no decision, no commit", async () => {
    const store = scratchStore();
    const broken = '{"registration_metadata": {"module_name": "broken"';
    const found = [
      { origin: "fixed:echo", payload: payload("echo", "1.0.0") },
      { origin: "fixed:old", payload: payload("old", "1.0.0") },
      { origin: "fixed:old-2", payload: payload("old", "2.0.0") },
      { origin: "fixed:broken", text: broken },
      { origin: "fixed:invalid", payload: payload("Invalid", "1.0.0") },
    ];
    const source: RegistrationSource = { name: "fixed", discover: async () => found };
    const first = await createRegistry({ store, sources: [source] }).start();
    expect(first.decisions.map((d) => d.outcome)).toEqual(["accepted", "accepted", "upgraded", "rejected", "rejected"]);
    expect(first.unchanged).toBe(0);
    const commits = store.commits;
    const restarted = createRegistry({ store, sources: [source] });
    const report = await restarted.start();
    // Held, superseded since, and rejected (unparsable and invalid): same content, same verdict.
    expect(report).toMatchObject({ resumed: true, decisions: [], unchanged: 5 });
    expect(store.commits).toBe(commits);
    expect(restarted.decisions()).toHaveLength(5);
  });

  it("a restart that finds a changed payload decides on it, and only on it", async () => {
    const store = scratchStore();
    let version = "1.0.0";
    const source: RegistrationSource = {
      name: "fixed",
      discover: async () => [
        { origin: "fixed:echo", payload: payload("echo", version) },
        { origin: "fixed:other", payload: payload("other", "1.0.0") },
      ],
    };
    await createRegistry({ store, sources: [source] }).start();
    version = "1.1.0";
    const report = await createRegistry({ store, sources: [source] }).start();
    expect(report.decisions.map((d) => [d.outcome, d.module])).toEqual([["upgraded", "echo"]]);
    expect(report.unchanged).toBe(1);
  });

  it("MRS-S5 over register(), the same payload again is still a duplicate (identical: true)", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "1.0.0") }, "http");
    const again = await registry.register({ payload: payload("echo", "1.0.0") }, "http");
    expect(again.ok ? null : again.errors[0]).toMatchObject({ code: "DUPLICATE_REGISTRATION", identical: true });
  });

  it("a source that fails is recorded as a rejected decision, and the others still load", async () => {
    const broken: RegistrationSource = { name: "broken", discover: () => Promise.reject(new Error("EACCES")) };
    const good: RegistrationSource = {
      name: "good",
      discover: async () => [{ origin: "good:a", payload: payload("a", "1.0.0") }],
    };
    const { registry } = await started([broken, good]);
    expect(registry.module("a")).toBeDefined();
    expect(registry.decisions().find((d) => d.source === "broken")?.errors[0]?.code).toBe("SOURCE_UNAVAILABLE");
  });

  it("MRS-S10 a refresh builds a new session aside and swaps it in at once", async () => {
    let version = "1.0.0";
    const source: RegistrationSource = {
      name: "s",
      discover: async () => [{ origin: "s:a", payload: payload("a", version) }],
    };
    const { registry } = await started([source]);
    await registry.register({ payload: payload("extra", "1.0.0") }, "test");
    const before = registry.session();
    const seen: string[] = [];
    const unsubscribe = registry.subscribe(() => {
      // A listener called during the swap sees either the whole old catalog or the whole new one.
      seen.push(
        registry
          .modules()
          .map((m) => m.payload.registration_metadata.module_name)
          .join(","),
      );
    });
    version = "2.0.0";
    const pending = registry.refresh();
    expect(registry.session().id).toBe(before.id); // the old session serves reads while the new one builds
    const report = await pending;
    unsubscribe();
    expect(report.session.id).not.toBe(before.id);
    expect(registry.modules().map((m) => m.payload.registration_metadata.module_version)).toEqual(["2.0.0"]);
    expect(seen.every((s) => s === "a")).toBe(true);
  });

  it("two registries on one store converge through compare-and-set", async () => {
    const store = scratchStore();
    const a = createRegistry({ store });
    const b = createRegistry({ store });
    await a.start();
    await b.start();
    await Promise.all([
      a.register({ payload: payload("x", "1.0.0") }, "a"),
      b.register({ payload: payload("y", "1.0.0") }, "b"),
      a.register({ payload: payload("x", "2.0.0") }, "a"),
      b.register({ payload: payload("x", "1.5.0") }, "b"),
    ]);
    await a.reload();
    await b.reload();
    const names = (r: typeof a) =>
      r
        .modules()
        .map((m) => `${m.payload.registration_metadata.module_name}@${m.payload.registration_metadata.module_version}`);
    expect(names(a)).toEqual(["x@2.0.0", "y@1.0.0"]);
    expect(names(b)).toEqual(names(a));
  });
});

describe("a value handed over", () => {
  it("is copied unless frozen whole: changing the caller's object later changes nothing held", async () => {
    const registry = createRegistry({ store: scratchStore() });
    await registry.start();
    const mine = payload("a", "1.0.0");
    await registry.register({ payload: mine }, "t");
    const shallow = Object.freeze(payload("b", "1.0.0"));
    await registry.register({ payload: shallow }, "t");
    expect(registry.module("a")?.payload).not.toBe(mine);
    expect(registry.module("b")?.payload).not.toBe(shallow);
    for (const handed of [mine, shallow]) {
      const [first] = handed.capabilities;
      if (first) first.description = "changed by the caller";
      expect(handed.capabilities[0]?.description).toBe("changed by the caller");
    }
    expect(registry.module("a")?.payload.capabilities[0]?.description).not.toBe("changed by the caller");
    expect(registry.module("b")?.payload.capabilities[0]?.description).not.toBe("changed by the caller");
  });

  it("frozen whole with freezeDeep, is held as it is: no copy, and nothing inside it can change", async () => {
    const registry = createRegistry({ store: scratchStore() });
    await registry.start();
    const handed = freezeDeep(payload("a", "1.0.0"));
    await registry.register({ payload: handed }, "t");
    expect(registry.module("a")?.payload).toBe(handed);
    expect(Object.isFrozen(handed.capabilities[0])).toBe(true);
    expect(() => freezeDeep({ run: () => 1 })).toThrow(TypeError);
  });
});

describe("the catalog", () => {
  it("MRS-S8 addresses every capability as module/action and resolves a bare action only where it is unique", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("vault", "1.0.0", ["read-secret", "status"]) }, "t");
    await registry.register({ payload: payload("s3", "1.0.0", ["ship-logs", "status"]) }, "t");
    expect(registry.capabilities().map((c) => [c.address, c.name])).toEqual([
      ["s3/ship-logs", "ship-logs"],
      ["s3/status", "s3/status"],
      ["vault/read-secret", "read-secret"],
      ["vault/status", "vault/status"],
    ]);
    const bare = registry.resolveAction("read-secret");
    expect(bare.ok && bare.value.address).toBe("vault/read-secret");
    const full = registry.resolveAction("s3/status");
    expect(full.ok && full.value.module).toBe("s3");
    const ambiguous = registry.resolveAction("status");
    expect(ambiguous.ok ? null : ambiguous.errors[0]).toMatchObject({
      code: "AMBIGUOUS_ACTION",
      rule: "S8",
      candidates: ["s3/status", "vault/status"],
    });
    expect(codes(registry.resolveAction("nope"))).toEqual(["UNKNOWN_ACTION"]);
    expect(codes(registry.resolveAction("vault/nope"))).toEqual(["UNKNOWN_ACTION"]);
  });

  it("MRS-S8 registers a module whose action another module already declares", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("one", "1.0.0", ["restart"]) }, "t");
    expect((await registry.register({ payload: payload("two", "1.0.0", ["restart"]) }, "t")).ok).toBe(true);
  });

  it("MRS-I1 validates an action's input and output against its schemas", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "1.0.0") }, "t");
    expect(registry.validateInput("echo", { msg: "hi" })).toEqual({ valid: true });
    const bad = registry.validateInput("echo", { msg: 1 });
    expect(bad.valid ? [] : bad.errors.map((e) => [e.code, e.rule])).toContainEqual(["INPUT_INVALID", "I1"]);
    const out = registry.validateOutput("echo/echo", {});
    expect(out.valid ? [] : out.errors.map((e) => e.code)).toContain("OUTPUT_INVALID");
    // The same reference, checked just before for its input, checks an output against the output schema.
    expect(registry.validateInput("echo", {})).toMatchObject({ valid: false });
    expect(registry.validateInput("echo", { msg: "hi" })).toEqual({ valid: true });
    const sameRef = registry.validateOutput("echo", { msg: "hi" });
    expect(sameRef.valid ? [] : sameRef.errors.map((e) => e.code)).toContain("OUTPUT_INVALID");
    const unknown = registry.validateInput("nope", {});
    expect(unknown.valid ? [] : unknown.errors.map((e) => e.code)).toEqual(["UNKNOWN_ACTION"]);
  });

  it("MRS-S1 a payload handed over as a value is the registry's own copy: changing it later changes nothing held", async () => {
    const { registry } = await started();
    const mine = payload("echo", "1.0.0");
    await registry.register({ payload: mine }, "t");
    mine.registration_metadata.module_version = "9.9.9";
    (mine.capabilities[0] as { description: string }).description = "changed behind the registry's back";
    const held = registry.module("echo");
    expect(held?.payload.registration_metadata.module_version).toBe("1.0.0");
    expect(held?.payload.capabilities[0]?.description).toBe("Does echo");
    // A value that validates but cannot be cloned (a Proxy) gets an answer, not a throw: the
    // registry holds it as handed over, and what the store makes of it is the store's to say.
    const proxied = new Proxy(payload("proxied", "1.0.0"), {});
    await expect(registry.register({ payload: proxied }, "t")).resolves.toMatchObject({ module: "proxied" });
  });

  it("MRS-I1 MRS-S8 a reference checked before answers for the catalog as it is now, after each change", async () => {
    const { registry } = await started();
    await registry.register({ payload: payload("echo", "1.0.0") }, "t");
    expect(registry.validateInput("echo", { msg: "hi" })).toEqual({ valid: true });
    expect(registry.resolveAction("echo").ok).toBe(true);
    // An upgrade that changes the input: the same reference now checks against the new schema.
    const next = payload("echo", "2.0.0");
    (next.capabilities[0] as { input_schema: object }).input_schema = {
      type: "object",
      properties: { msg: { type: "integer" } },
      required: ["msg"],
    };
    await registry.register({ payload: next }, "t");
    expect(registry.validateInput("echo", { msg: 7 })).toEqual({ valid: true });
    expect(registry.validateInput("echo", { msg: "hi" }).valid).toBe(false);
    const resolved = registry.resolveAction("echo");
    expect(resolved.ok && resolved.value.version).toBe("2.0.0");
    // A second module declaring the action makes the bare name ambiguous (S8).
    await registry.register({ payload: payload("other", "1.0.0", ["echo"]) }, "t");
    const ambiguous = registry.validateInput("echo", { msg: 7 });
    expect(ambiguous.valid ? [] : ambiguous.errors.map((e) => e.code)).toEqual(["AMBIGUOUS_ACTION"]);
    expect(registry.validateInput("echo/echo", { msg: 7 })).toEqual({ valid: true });
    // Gone: the reference resolves nothing any more.
    await registry.deregister("echo");
    const gone = registry.validateInput("echo/echo", { msg: 7 });
    expect(gone.valid ? [] : gone.errors.map((e) => e.code)).toEqual(["UNKNOWN_ACTION"]);
    expect(registry.validateInput("echo", { msg: "hi" })).toEqual({ valid: true });
  });

  it("MRS-E11 MRS-I1 a schema that reached the store without validation answers invalid instead of throwing", async () => {
    const store = scratchStore();
    const seeded = createRegistry({ store });
    await seeded.start();
    const snapshot = await store.load();
    if (snapshot === null) throw new Error("no snapshot");
    const hostile = payload("hand-written", "1.0.0");
    (hostile.capabilities[0] as { input_schema: object }).input_schema = {
      type: "object",
      properties: { a: { type: "string", pattern: "^(?=(a+)+$)" } },
    };
    const record = { payload: hostile, source: "by hand", acceptedAt: "2026-01-01T00:00:00Z", decisionId: "d" };
    await store.commit(snapshot.revision, [{ type: "module.put", record } as never]);
    const registry = createRegistry({ store });
    await registry.reload();
    const answer = registry.validateInput("hand-written", { a: "aaaa" });
    expect(answer.valid ? [] : answer.errors.map((e) => e.code)).toEqual(["UNSAFE_PATTERN"]);
  });

  it("emits an event for every decision as it is stored", async () => {
    const { registry } = await started();
    const events: RegistryEvent[] = [];
    registry.subscribe((e) => events.push(e));
    await registry.register({ payload: payload("echo", "1.0.0") }, "t");
    await registry.register({ payload: payload("echo", "1.0.0") }, "t");
    expect(events.map((e) => (e.type === "decision" ? e.decision.outcome : e.type))).toEqual([
      "accepted",
      "module",
      "rejected",
    ]);
  });
});
