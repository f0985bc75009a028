import { type Change, createRegistry, type Registry, type RegistryEvent, type RegistryStore } from "@rune/mrs-core";
import { sampleChanges, samplePayload } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import {
  admin,
  type Calls,
  cleanUp,
  freshSchema,
  listenersOf,
  listening,
  recording,
  storeOn,
  uniqueName,
  waitFor,
} from "../test/support.js";
import type { PostgresStore } from "./index.js";

afterAll(cleanUp);

function hearing(store: RegistryStore): Calls<string> {
  const watchHeartbeats = store.watchHeartbeats;
  if (watchHeartbeats === undefined) throw new Error("the store offers no watchHeartbeats");
  return recording<string>((callback) => watchHeartbeats(callback));
}

/** The commits a store was asked for that would expire or remove `module`, with their answers. */
interface Attempt {
  readonly step: "expired" | "removed";
  readonly ok: boolean;
}

function attempting(store: PostgresStore, module: string): { store: RegistryStore; attempts: Attempt[] } {
  const attempts: Attempt[] = [];
  const stepOf = (changes: readonly Change[]) => {
    for (const change of changes) {
      if (change.type === "module.state" && change.module === module && change.state === "expired") return "expired";
      if (change.type === "module.removed" && change.module === module) return "removed";
    }
    return null;
  };
  return {
    attempts,
    store: {
      ...store,
      commit: async (expected, changes) => {
        const result = await store.commit(expected, changes);
        const step = stepOf(changes);
        if (step !== null) attempts.push({ step, ok: result.ok });
        return result;
      },
    },
  };
}

describe("heartbeats between LOMs on one PostgreSQL schema (MRS-L6)", () => {
  it("MRS-L6 a heartbeat published on one handle reaches the other handles' watchHeartbeats, never its own, and is no commit", async () => {
    const schema = freshSchema();
    const a = storeOn({ schema, watchCoalesceMs: 0 });
    const b = storeOn({ schema, watchCoalesceMs: 0 });
    // A handle that does not watch still publishes (its LOM's heartbeats reach the others).
    const quiet = storeOn({ schema, watch: false });
    expect(quiet.watchHeartbeats).toBeUndefined();
    const [beatsA, beatsB] = [hearing(a), hearing(b)];
    const [changesA, changesB] = [await listening(a), await listening(b)];

    await a.publishHeartbeat("alpha");
    await beatsB.until("b hears alpha", (m) => m === "alpha");
    await b.publishHeartbeat("beta");
    await beatsA.until("a hears beta", (m) => m === "beta");
    await quiet.publishHeartbeat("gamma");
    await beatsA.until("a hears gamma", (m) => m === "gamma");
    await beatsB.until("b hears gamma", (m) => m === "gamma");
    // Notifications come in the order they were sent: had a handle heard its own beat, it would
    // be in its list before the next one it heard.
    expect(beatsA.calls).toEqual(["beta", "gamma"]);
    expect(beatsB.calls).toEqual(["alpha", "gamma"]);

    // A commit wakes the change watchers, not the heartbeat watchers; a heartbeat wakes no change watcher.
    const committed = await quiet.commit(0, sampleChanges(1));
    if (!committed.ok) throw new Error("commit refused");
    await changesA.until("a hears the commit", (r) => r === committed.revision);
    await changesB.until("b hears the commit", (r) => r === committed.revision);
    await a.publishHeartbeat("delta");
    await beatsB.until("b hears delta", (m) => m === "delta");
    expect(beatsA.calls).toEqual(["beta", "gamma"]);
    expect(beatsB.calls).toEqual(["alpha", "gamma", "delta"]);
    expect(changesA.calls).toEqual([0, committed.revision]);
    expect(changesB.calls).toEqual([0, committed.revision]);

    // No table is written: the revision is where the commit left it.
    const { rows } = await admin().query<{ revision: string }>(`SELECT revision::text FROM "${schema}".state`);
    expect(rows[0]?.revision).toBe(String(committed.revision));
    for (const calls of [beatsA, beatsB, changesA, changesB]) calls.stop();
    await Promise.all([a.close?.(), b.close?.(), quiet.close?.()]);
    // A closed handle refuses to publish, as every call does.
    await expect(a.publishHeartbeat("late")).rejects.toMatchObject({ errors: [{ code: "STORE_UNAVAILABLE" }] });
  });

  it("watch and watchHeartbeats share one listening connection, which the last unsubscribe ends", async () => {
    const schema = freshSchema();
    const app = uniqueName("mrs_beats");
    const store = storeOn({ schema, applicationName: app });
    const other = storeOn({ schema, watch: false });
    const beats = hearing(store);
    const changes = await listening(store);
    const [only] = await listenersOf(app);
    expect(only?.query).toContain(`LISTEN "rune-mrs:${schema}"`);
    expect(only?.query).toContain(`LISTEN "rune-mrs-beat:${schema}"`);
    expect(await listenersOf(app)).toHaveLength(1);
    changes.stop();
    // The heartbeat watcher alone keeps the connection, and still hears.
    await other.publishHeartbeat("still");
    await beats.until("the heartbeat is heard", (m) => m === "still");
    expect((await listenersOf(app)).map((l) => l.pid)).toEqual([only?.pid]);
    beats.stop();
    await waitFor("no LISTEN connection is left", async () => (await listenersOf(app)).length === 0);
    await Promise.all([store.close?.(), other.close?.()]);
  });

  it("MRS-L6 MRS-L3 two LOMs: heartbeats sent to one renew the lease on both; expiry and removal are each decided once", async () => {
    const schema = freshSchema();
    const leases = { min: 1, max: 60, grace: 1 };
    const storeA = storeOn({ schema });
    const storeB = storeOn({ schema });
    const watchedA = attempting(storeA, "pulse");
    const watchedB = attempting(storeB, "pulse");
    const lomA = createRegistry({ store: watchedA.store, leases });
    const lomB = createRegistry({ store: watchedB.store, leases });
    await lomA.start();
    await lomB.start();
    // Both handles listen (heartbeats published before that would not be heard).
    const listens = [await listening(storeA), await listening(storeB)];

    const events = (lom: Registry) =>
      recording<{ at: number; event: RegistryEvent }>((callback) =>
        lom.subscribe((event) => callback({ at: performance.now(), event })),
      );
    const pulseOf = (calls: Calls<{ at: number; event: RegistryEvent }>) =>
      calls.calls
        .map(({ event }) => event)
        .flatMap((e) =>
          e.type === "module" && e.module === "pulse"
            ? [e.action]
            : e.type === "decision" && e.decision.module === "pulse"
              ? [e.decision.outcome]
              : [],
        );
    const [eventsA, eventsB] = [events(lomA), events(lomB)];

    const registered = await lomA.register({ payload: samplePayload("pulse") }, "a", { lease: 2 });
    expect(registered.ok).toBe(true);
    expect(lomA.lease("pulse")?.seconds).toBe(2);
    await eventsB.until(
      "B follows the registration",
      ({ event }) => event.type === "module" && event.module === "pulse",
    );

    // Heartbeats go to B only, every 0.5 s for 4 s: twice the lease. A hears them from B's store.
    const beatsFrom = performance.now();
    let lastBeat = beatsFrom;
    let beats = 0;
    while (performance.now() - beatsFrom < 4_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      lastBeat = performance.now();
      const beat = await lomB.heartbeat("pulse");
      expect(beat.ok && beat.lease.state).toBe("live");
      beats += 1;
    }
    expect(beats).toBeGreaterThanOrEqual(7);
    // Never expired on either LOM: no expiry was decided, and both still hold it live.
    expect(pulseOf(eventsA)).toEqual(["accepted", "put"]);
    expect(pulseOf(eventsB)).toEqual(["accepted", "put"]);
    expect(lomA.lease("pulse")?.state).toBe("live");
    expect(lomA.resolveAction("pulse/pulse").ok).toBe(true);

    // No more heartbeats: both see it expire, then go after the grace period.
    const step = (calls: typeof eventsA, action: "expired" | "removed") =>
      calls.until(
        `the module is ${action}`,
        ({ event }) => event.type === "module" && event.module === "pulse" && event.action === action,
      );
    const [expiredA, expiredB] = await Promise.all([step(eventsA, "expired"), step(eventsB, "expired")]);
    const [removedA, removedB] = await Promise.all([step(eventsA, "removed"), step(eventsB, "removed")]);
    // Not before the lease (2 s after the last heartbeat), and not before the grace period after that.
    const firstExpired = Math.min(expiredA.at, expiredB.at);
    expect(firstExpired - lastBeat).toBeGreaterThanOrEqual(2_000);
    expect(Math.min(removedA.at, removedB.at) - firstExpired).toBeGreaterThanOrEqual(1_000 - 50);

    // Each step decided once: one decision and one change each, in the log both LOMs share.
    const expected = ["accepted", "put", "expired", "expired", "removed", "removed"];
    expect(pulseOf(eventsA)).toEqual(expected);
    expect(pulseOf(eventsB)).toEqual(expected);
    for (const lom of [lomA, lomB]) {
      expect(lom.decisions({ module: "pulse" }).map((d) => d.outcome)).toEqual(["accepted", "expired", "removed"]);
      expect(lom.module("pulse")).toBeUndefined();
    }
    const { rows: decisions } = await admin().query<{ outcome: string }>(
      `SELECT decision->>'outcome' AS outcome FROM "${schema}".decisions WHERE decision->>'module' = 'pulse' ORDER BY seq`,
    );
    expect(decisions.map((d) => d.outcome)).toEqual(["accepted", "expired", "removed"]);
    const { rows: steps } = await admin().query<{ type: string }>(
      `SELECT type FROM "${schema}".changes WHERE type IN ('module.state', 'module.removed') ORDER BY revision`,
    );
    expect(steps.map((s) => s.type)).toEqual(["module.state", "module.removed"]);

    const tried = (attempts: Attempt[]) =>
      attempts.map((a) => `${a.step} ${a.ok ? "committed" : "lost the compare-and-set"}`).join(", ") || "none";
    console.info(
      `two LOMs, lease 2 s, grace 1 s: ${beats} heartbeats to B over ${((lastBeat - beatsFrom) / 1000).toFixed(1)} s; ` +
        `expired ${((firstExpired - lastBeat) / 1000).toFixed(2)} s after the last heartbeat, ` +
        `removed ${((Math.min(removedA.at, removedB.at) - firstExpired) / 1000).toFixed(2)} s later; ` +
        `A's sweep commits: ${tried(watchedA.attempts)}; B's: ${tried(watchedB.attempts)}`,
    );
    for (const calls of [...listens, eventsA, eventsB]) calls.stop();
    await Promise.all([lomA.close(), lomB.close()]);
  });
});
