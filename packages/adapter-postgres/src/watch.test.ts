import { createRegistry, type Registry, type RegistryEvent } from "@rune/mrs-core";
import { sampleChanges, samplePayload } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { cuttingProxy } from "../test/cutting-proxy.js";
import {
  admin,
  cleanUp,
  freshSchema,
  listenersOf,
  listening,
  serverUrl,
  storeOn,
  terminate,
  uniqueName,
  waitFor,
  within,
} from "../test/support.js";
import { postgresStore } from "./index.js";

afterAll(cleanUp);

/** Resolves at the first event of `registry` that passes `test`. */
function nextEvent(registry: Registry, what: string, test: (event: RegistryEvent) => boolean): Promise<RegistryEvent> {
  return within(what, (resolve) => {
    const stop = registry.subscribe((event) => {
      if (!test(event)) return;
      stop();
      resolve(event);
    });
  });
}

/** Resolves when `registry` has applied the decision on `module` (a decision event). */
function decided(registry: Registry, module: string): Promise<RegistryEvent> {
  return nextEvent(
    registry,
    `the registry follows the decision on ${module}`,
    (e) => e.type === "decision" && e.decision.module === module,
  );
}

async function connectionsOf(app: string): Promise<number> {
  const { rows } = await admin().query<{ count: number }>(
    "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE application_name = $1",
    [app],
  );
  return rows[0]?.count ?? 0;
}

describe("watch: LISTEN/NOTIFY between LOMs (MRS-R1)", () => {
  it("MRS-R1 a commit through one pool makes watch fire on the other, with the new revision", async () => {
    const schema = freshSchema();
    const writer = storeOn({ schema, watch: false });
    const reader = storeOn({ schema, watchCoalesceMs: 0 });
    const watch = await listening(reader);
    expect(watch.calls).toEqual([0]); // the revision read once it listens: an empty store
    const latencies: number[] = [];
    let revision = 0;
    for (let i = 0; i < 20; i++) {
      const expected = revision + (i === 0 ? 3 : 2);
      const heard = watch.until(`the reader hears revision ${expected}`, (r) => r === expected);
      const started = performance.now();
      const result = await writer.commit(revision, i === 0 ? sampleChanges(1) : sampleChanges(1, "session-1", i));
      if (!result.ok) throw new Error("commit refused");
      revision = result.revision;
      expect(await heard).toBe(revision);
      latencies.push(performance.now() - started);
    }
    // One call per commit, each with its revision, in order.
    expect(watch.calls).toEqual([0, ...Array.from({ length: 20 }, (_, i) => 3 + 2 * i)]);
    latencies.sort((a, b) => a - b);
    console.info(
      `commit to watch call: median ${latencies[10]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms over 20 commits`,
    );
    watch.stop();
    await Promise.all([writer.close?.(), reader.close?.()]);
  });

  it("a handle's own commits do not wake its own watchers", async () => {
    const schema = freshSchema();
    const own = storeOn({ schema, watchCoalesceMs: 0 });
    const other = storeOn({ schema, watch: false });
    const watch = await listening(own);
    const mine = await own.commit(0, sampleChanges(1));
    if (!mine.ok) throw new Error("commit refused");
    const theirs = await other.commit(mine.revision, sampleChanges(1, "session-1", 1));
    if (!theirs.ok) throw new Error("commit refused");
    // Notifications arrive in commit order: had the first been passed on, it would have come first.
    await watch.until("the other handle's commit is heard", (r) => r === theirs.revision);
    expect(watch.calls).toEqual([0, theirs.revision]);
    watch.stop();
    await Promise.all([own.close?.(), other.close?.()]);
  });

  it("a burst of notifications is passed on as one call with the highest revision, or one each with watchCoalesceMs: 0", async () => {
    const schema = freshSchema();
    const coalesced = storeOn({ schema, watchCoalesceMs: 100 });
    const each = storeOn({ schema, watchCoalesceMs: 0 });
    const [few, many] = [await listening(coalesced), await listening(each)];
    const notify = (from: number, to: number) =>
      admin().query(
        "SELECT pg_notify($1, i::text || ' elsewhere') FROM generate_series($2::integer, $3::integer) AS i",
        [`rune-mrs:${schema}`, from, to],
      );
    // Ten notifications delivered together, as ten commits landing at once would be.
    await notify(1, 10);
    await many.until("each notification is passed on", (r) => r === 10);
    await few.until("the burst is passed on", (r) => r === 10);
    // One more, well after the burst's window: the next call is for it, so none came in between.
    await notify(11, 11);
    await few.until("the later notification is passed on", (r) => r === 11);
    expect(few.calls).toEqual([0, 10, 11]);
    expect(many.calls).toEqual([0, ...Array.from({ length: 11 }, (_, i) => i + 1)]);
    few.stop();
    many.stop();
    await Promise.all([coalesced.close?.(), each.close?.()]);
  });

  it("MRS-R2 a registry follows another LOM's registrations, with their decision events and revisions", async () => {
    const schema = freshSchema();
    const lomA = createRegistry({ store: storeOn({ schema }) });
    const lomB = createRegistry({ store: storeOn({ schema }) });
    await lomA.start();
    await lomB.start();
    const seen: RegistryEvent[] = [];
    lomB.subscribe((event) => seen.push(event));
    const upgraded = nextEvent(
      lomB,
      "B emits the upgrade",
      (e) => e.type === "decision" && e.decision.outcome === "upgraded",
    );
    const first = await lomA.register({ payload: samplePayload("elsewhere", "1.0.0") }, "a");
    const second = await lomA.register({ payload: samplePayload("elsewhere", "1.1.0") }, "a");
    expect(first.ok && second.ok).toBe(true);
    await upgraded;
    expect(lomB.module("elsewhere")?.payload.registration_metadata.module_version).toBe("1.1.0");
    // One event per change, each with its revision, as LOM A committed them.
    expect(
      seen.map((e) =>
        e.type === "decision"
          ? [e.decision.outcome, e.revision]
          : e.type === "module"
            ? [e.module, e.revision]
            : e.type,
      ),
    ).toEqual([
      ["accepted", lomA.revision - 3],
      ["elsewhere", lomA.revision - 2],
      ["upgraded", lomA.revision - 1],
      ["elsewhere", lomA.revision],
    ]);
    expect(lomB.revision).toBe(lomA.revision);
    await Promise.all([lomA.close(), lomB.close()]);
  });

  it("the listening connection comes back after it is killed, and a commit made meanwhile is not missed", async () => {
    const schema = freshSchema();
    const app = uniqueName("mrs_listen");
    const storeB = storeOn({ schema, applicationName: app });
    const lomA = createRegistry({ store: storeOn({ schema, watch: false }) });
    const lomB = createRegistry({ store: storeB });
    await lomA.start();
    await lomB.start();
    const watch = await listening(storeB);
    const [before] = await listenersOf(app);
    expect(before).toBeDefined();

    expect(await terminate(app, "query LIKE '%LISTEN%'")).toBe(1);
    const caughtUp = decided(lomB, "meanwhile");
    const meanwhile = await lomA.register({ payload: samplePayload("meanwhile") }, "a");
    expect(meanwhile.ok).toBe(true);
    // Heard on the new connection: its first read gives the revision committed meanwhile.
    await watch.until("B listens again and reads the revision", (r) => r === lomA.revision);
    await caughtUp;
    const now = await listenersOf(app);
    expect(now).toHaveLength(1);
    expect(now[0]?.pid).not.toBe(before?.pid);

    const after = decided(lomB, "after");
    expect((await lomA.register({ payload: samplePayload("after") }, "a")).ok).toBe(true);
    await after;
    watch.stop();
    await Promise.all([lomA.close(), lomB.close()]);
  });

  it("a listening connection that a firewall silently dropped is found by its heartbeat and replaced", async () => {
    const schema = freshSchema();
    const proxy = await cuttingProxy(serverUrl());
    const lomA = createRegistry({ store: storeOn({ schema, watch: false }) });
    const app = uniqueName("mrs_firewalled");
    const url = new URL(proxy.url);
    url.searchParams.set("application_name", app);
    const storeB = postgresStore({ connectionString: url.toString(), schema, watchHeartbeatMs: 200 });
    const lomB = createRegistry({ store: storeB });
    await lomA.start();
    await lomB.start();
    // Once this resolves, the connection listens and has read its first revision: only a new
    // connection can bring B news after the freeze.
    const watch = await listening(storeB);
    expect(proxy.freezeConnectionsThatSent("LISTEN")).toBe(1);
    // No error, no close: B's notifications just stop coming. Only the heartbeat can tell.
    const unheard = decided(lomB, "unheard");
    expect((await lomA.register({ payload: samplePayload("unheard") }, "a")).ok).toBe(true);
    await watch.until("B re-listens on a new connection and reads the revision", (r) => r === lomA.revision);
    await unheard;
    const heard = decided(lomB, "heard");
    expect((await lomA.register({ payload: samplePayload("heard") }, "a")).ok).toBe(true);
    await heard;
    watch.stop();
    await Promise.all([lomA.close(), lomB.close()]);
    await proxy.close();
  });

  it("a watcher added while the store listens is called at once with the latest revision heard", async () => {
    const schema = freshSchema();
    const store = storeOn({ schema, watchCoalesceMs: 0 });
    const writer = storeOn({ schema, watch: false });
    const first = await listening(store);
    const result = await writer.commit(0, sampleChanges(1));
    await first.until("the commit is heard", (r) => r === 3);
    const second = await listening(store);
    expect(second.calls).toEqual([3]);
    first.stop();
    second.stop();
    expect(result.ok).toBe(true);
    await Promise.all([store.close?.(), writer.close?.()]);
  });

  it("the last unsubscribe ends the LISTEN connection, and close ends every connection", async () => {
    const app = uniqueName("mrs_unlisten");
    const store = storeOn({ applicationName: app });
    const first = await listening(store);
    const second = await listening(store);
    expect(await listenersOf(app)).toHaveLength(1); // one connection however many watchers
    first.stop();
    expect(await listenersOf(app)).toHaveLength(1);
    second.stop();
    await waitFor("no LISTEN connection is left", async () => (await listenersOf(app)).length === 0);
    await store.commit(0, sampleChanges(1));
    expect(await connectionsOf(app)).toBeGreaterThan(0);
    await store.close?.();
    await waitFor("no connection is left", async () => (await connectionsOf(app)) === 0);
  });

  it("offers no watch when asked not to (nor watchHeartbeats; publishing heartbeats needs no listening)", () => {
    const store = storeOn({ watch: false });
    expect(store.watch).toBeUndefined();
    expect(store.watchHeartbeats).toBeUndefined();
    expect(store.publishHeartbeat).toBeTypeOf("function");
  });
});
