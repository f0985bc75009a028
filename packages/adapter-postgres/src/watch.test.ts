import { createRegistry, type RegistryEvent } from "@rune/mrs-core";
import { sampleCatalog, samplePayload } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { cuttingProxy } from "../test/cutting-proxy.js";
import { admin, cleanUp, freshSchema, serverUrl, storeOn, terminate, uniqueName, waitFor } from "../test/support.js";
import { type PostgresStore, postgresStore } from "./index.js";

afterAll(cleanUp);

interface Watching {
  calls(): number;
  reset(): void;
  /** Resolves at the next call; fails after `timeoutMs` (a bound against hanging, not a speed test). */
  next(what: string, timeoutMs?: number): Promise<void>;
  stop(): void;
}

/** A store's watch, counting calls; resolves once its connection listens (the first call). */
async function watching(store: PostgresStore): Promise<Watching> {
  let calls = 0;
  let waiter: (() => void) | null = null;
  const stop = store.watch?.(() => {
    calls += 1;
    waiter?.();
  });
  if (stop === undefined) throw new Error("the store offers no watch");
  await waitFor("the store listens", () => calls > 0);
  return {
    calls: () => calls,
    reset: () => {
      calls = 0;
    },
    next: (what, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms waiting until ${what}`)),
          timeoutMs,
        );
        waiter = () => {
          waiter = null;
          clearTimeout(timer);
          resolve();
        };
      }),
    stop,
  };
}

async function listenersOf(app: string): Promise<number[]> {
  const { rows } = await admin().query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'",
    [app],
  );
  return rows.map((r) => r.pid);
}

async function connectionsOf(app: string): Promise<number> {
  const { rows } = await admin().query<{ count: number }>(
    "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE application_name = $1",
    [app],
  );
  return rows[0]?.count ?? 0;
}

describe("watch: LISTEN/NOTIFY between LOMs", () => {
  it("a commit through one pool makes watch fire on the other", async () => {
    const schema = freshSchema();
    const writer = storeOn({ schema, watch: false });
    const reader = storeOn({ schema, watchCoalesceMs: 0 });
    const watch = await watching(reader);
    const latencies: number[] = [];
    let revision: number | null = null;
    for (let i = 1; i <= 20; i++) {
      const heard = watch.next(`the reader hears commit ${i}`);
      const started = performance.now();
      const result = await writer.commit(revision, sampleCatalog(i));
      if (!result.ok) throw new Error("commit refused");
      revision = result.revision;
      await heard;
      latencies.push(performance.now() - started);
    }
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
    const watch = await watching(own);
    watch.reset();
    await own.commit(null, sampleCatalog(1));
    // A notification is delivered in milliseconds: had it been passed on, it would be by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(watch.calls()).toBe(0);
    await other.commit(1, sampleCatalog(2));
    await waitFor("the other handle's commit is heard", () => watch.calls() > 0);
    expect(watch.calls()).toBe(1);
    watch.stop();
    await Promise.all([own.close?.(), other.close?.()]);
  });

  it("a burst of notifications is passed on as one call, or one each with watchCoalesceMs: 0", async () => {
    const schema = freshSchema();
    const coalesced = storeOn({ schema, watchCoalesceMs: 100 });
    const each = storeOn({ schema, watchCoalesceMs: 0 });
    const [few, many] = [await watching(coalesced), await watching(each)];
    await waitFor("the first calls are over", () => few.calls() === 1 && many.calls() === 1);
    few.reset();
    many.reset();
    // Ten notifications delivered together, as ten commits landing at once would be.
    await admin().query("SELECT pg_notify($1, i::text || ' elsewhere') FROM generate_series(1, 10) AS i", [
      `rune-mrs:${schema}`,
    ]);
    await waitFor("each notification is passed on", () => many.calls() === 10);
    await waitFor("the burst is passed on", () => few.calls() > 0);
    await new Promise((resolve) => setTimeout(resolve, 150)); // past the window: no more calls come
    expect(few.calls()).toBe(1);
    few.stop();
    many.stop();
    await Promise.all([coalesced.close?.(), each.close?.()]);
  });

  it("a registry follows another LOM's registrations, with their decision events", async () => {
    const schema = freshSchema();
    const lomA = createRegistry({ store: storeOn({ schema }) });
    const lomB = createRegistry({ store: storeOn({ schema }) });
    await lomA.start();
    await lomB.start();
    const seen: RegistryEvent[] = [];
    lomB.subscribe((event) => seen.push(event));
    expect((await lomA.register({ payload: samplePayload("elsewhere", "1.0.0") }, "a")).ok).toBe(true);
    expect((await lomA.register({ payload: samplePayload("elsewhere", "1.1.0") }, "a")).ok).toBe(true);
    await waitFor(
      "LOM B holds A's upgrade",
      () => lomB.module("elsewhere")?.payload.registration_metadata.module_version === "1.1.0",
    );
    await waitFor("LOM B emitted both decisions", () => seen.filter((e) => e.type === "decision").length === 2);
    expect(seen.map((e) => (e.type === "decision" ? e.decision.outcome : e.type))).toEqual(["accepted", "upgraded"]);
    await Promise.all([lomA.close(), lomB.close()]);
  });

  it("the listening connection comes back after it is killed, and a commit made meanwhile is not missed", async () => {
    const schema = freshSchema();
    const app = uniqueName("mrs_listen");
    const lomA = createRegistry({ store: storeOn({ schema, watch: false }) });
    const lomB = createRegistry({ store: storeOn({ schema, applicationName: app }) });
    await lomA.start();
    await lomB.start();
    await waitFor("B listens", async () => (await listenersOf(app)).length === 1);
    const [before] = await listenersOf(app);

    expect(await terminate(app, "query LIKE 'LISTEN%'")).toBe(1);
    expect((await lomA.register({ payload: samplePayload("meanwhile") }, "a")).ok).toBe(true);
    await waitFor("B listens again, on a new connection", async () => {
      const now = await listenersOf(app);
      return now.length === 1 && now[0] !== before;
    });
    await waitFor("B caught up with what was committed meanwhile", () => lomB.module("meanwhile") !== undefined);

    expect((await lomA.register({ payload: samplePayload("after") }, "a")).ok).toBe(true);
    await waitFor("B hears commits again", () => lomB.module("after") !== undefined);
    await Promise.all([lomA.close(), lomB.close()]);
  });

  it("a listening connection that a firewall silently dropped is found by its heartbeat and replaced", async () => {
    const schema = freshSchema();
    const proxy = await cuttingProxy(serverUrl());
    const lomA = createRegistry({ store: storeOn({ schema, watch: false }) });
    const app = uniqueName("mrs_firewalled");
    const url = new URL(proxy.url);
    url.searchParams.set("application_name", app);
    const lomB = createRegistry({
      store: postgresStore({ connectionString: url.toString(), schema, watchHeartbeatMs: 200 }),
    });
    await lomA.start();
    await lomB.start();
    await waitFor("B listens", async () => (await listenersOf(app)).length === 1);
    // Past the re-read that follows each LISTEN, so that only a new LISTEN can bring B news.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proxy.freezeConnectionsThatSent("LISTEN")).toBe(1);
    // No error, no close: B's notifications just stop coming. Only the heartbeat can tell.
    expect((await lomA.register({ payload: samplePayload("unheard") }, "a")).ok).toBe(true);
    await waitFor("B re-listens on a new connection and catches up", () => lomB.module("unheard") !== undefined);
    expect((await lomA.register({ payload: samplePayload("heard") }, "a")).ok).toBe(true);
    await waitFor("B hears commits again", () => lomB.module("heard") !== undefined);
    await Promise.all([lomA.close(), lomB.close()]);
    await proxy.close();
  });

  it("the last unsubscribe ends the LISTEN connection, and close ends every connection", async () => {
    const app = uniqueName("mrs_unlisten");
    const store = storeOn({ applicationName: app });
    const first = await watching(store);
    const second = await watching(store);
    expect(await listenersOf(app)).toHaveLength(1); // one connection however many watchers
    first.stop();
    expect(await listenersOf(app)).toHaveLength(1);
    second.stop();
    await waitFor("no LISTEN connection is left", async () => (await listenersOf(app)).length === 0);
    await store.commit(null, sampleCatalog(1));
    expect(await connectionsOf(app)).toBeGreaterThan(0);
    await store.close?.();
    await waitFor("no connection is left", async () => (await connectionsOf(app)) === 0);
  });

  it("offers no watch when asked not to", () => {
    expect(storeOn({ watch: false }).watch).toBeUndefined();
  });
});
