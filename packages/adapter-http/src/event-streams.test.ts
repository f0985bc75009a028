// EventStreams on a feed the test drives (a real server on 127.0.0.1): the cases a registry only
// reaches in rare moments (it read its whole state again; a client stalls mid-replay).
import { once } from "node:events";
import { type AddressInfo, connect, type Socket } from "node:net";
import { type ChangesPage, eventOf, type RegistryEvent, type RevisionedChange } from "@rune/mrs-core";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { type ChangeFeed, EventStreams, MAX_HELD_EVENTS } from "./events.js";
import { deferred, openEvents } from "./feed-test-support.js";

/** A store log and a registry's events, each moved by the test. */
class FakeFeed implements ChangeFeed {
  readonly log: RevisionedChange[] = [];
  /** The revision the "registry" says it holds. */
  held = 0;
  unsubscribed = deferred();
  private readonly listeners = new Set<(event: RegistryEvent) => void>();
  private gate: { entered: () => void; released: Promise<void> } | undefined;

  subscribe(listener: (event: RegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      this.unsubscribed.resolve();
    };
  }

  revision(): number {
    return this.held;
  }

  async changes(since: number, limit: number): Promise<ChangesPage> {
    const armed = this.gate;
    this.gate = undefined;
    if (armed !== undefined) {
      armed.entered();
      await armed.released;
    }
    return { ok: true, changes: this.log.slice(since, since + limit), revision: this.log.length };
  }

  /** Appends `count` changes to the store's log (a module name of `size` characters each). */
  append(count: number, size = 8): RevisionedChange[] {
    const added: RevisionedChange[] = [];
    for (let i = 0; i < count; i++) {
      const revision = this.log.length + 1;
      const change: RevisionedChange = { type: "module.removed", module: `m${revision}-`.padEnd(size, "x"), revision };
      this.log.push(change);
      added.push(change);
    }
    return added;
  }

  /** The "registry" applies these changes and tells its listeners. */
  emit(changes: readonly RevisionedChange[]): void {
    for (const change of changes) {
      this.held = change.revision;
      for (const listener of this.listeners) listener(eventOf(change));
    }
  }

  /** The next `changes` call stops until released. */
  arm(): { entered: Promise<void>; release: () => void } {
    const entered = deferred();
    const released = deferred();
    this.gate = { entered: () => entered.resolve(), released: released.promise };
    return { entered: entered.promise, release: () => released.resolve() };
  }
}

let server: FastifyInstance | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(feed: FakeFeed, limits: { heartbeatMs: number; maxBufferedBytes: number }) {
  const streams = new EventStreams(limits);
  server = Fastify();
  server.get<{ Querystring: { since?: string } }>("/v1/events", (request, reply) => {
    const since = request.query.since;
    streams.serve(request, reply, feed, since === undefined ? undefined : Number(since));
  });
  server.addHook("preClose", (done) => {
    streams.closeAll();
    done();
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const { port } = server.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, streams };
}

const revisions = (events: RegistryEvent[]) => events.map((e) => e.revision);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("EventStreams", () => {
  it("MRS-R2 live events that skip revisions (the registry read its state again) are filled in from the store", async () => {
    const feed = new FakeFeed();
    const { url } = await serve(feed, { heartbeatMs: 60_000, maxBufferedBytes: 1 << 20 });
    const events = await openEvents(url);
    // The stream opened at revision 0; opened means subscribed (the id: line comes after).
    expect(await events.next()).toMatchObject({ id: "0", data: "" });
    const missed = feed.append(5);
    feed.emit(missed.slice(4));
    feed.emit(feed.append(1));
    expect(revisions(await events.changesThrough(6))).toEqual(range(1, 6));
    events.close();
  });

  // The stream's cap against the response's own highWaterMark (16 KiB up to Node 20, 64 KiB since
  // Node 22), past which alone Node emits `drain`: below it on every line (4 KiB), below it since
  // Node 22 (16 KiB), above it on every line (256 KiB).
  it.each([4 * 1024, 16 * 1024, 256 * 1024])(
    "MRS-R2 a burst far beyond the cap (%i bytes) to a client that reads goes out at its pace: all of it, in order, and the stream stays",
    async (cap) => {
      const feed = new FakeFeed();
      const { url, streams } = await serve(feed, { heartbeatMs: 60_000, maxBufferedBytes: cap });
      const events = await openEvents(url);
      expect(await events.next()).toMatchObject({ id: "0", data: "" });
      // 2 MiB at once: more than the cap, and more than the stream holds (4 caps): the rest is read from the store.
      feed.emit(feed.append(256, 8 * 1024));
      feed.emit(feed.append(1));
      expect(revisions(await events.changesThrough(257))).toEqual(range(1, 257));
      expect(streams.size).toBe(1);
      feed.emit(feed.append(1));
      expect(revisions(await events.changesThrough(258))).toEqual([258]);
      events.close();
    },
  );

  it("MRS-R2 an event beyond what the store gives ends the stream (the client resumes), never a busy loop", async () => {
    const feed = new FakeFeed();
    const { url, streams } = await serve(feed, { heartbeatMs: 60_000, maxBufferedBytes: 1 << 20 });
    const events = await openEvents(url);
    expect(await events.next()).toMatchObject({ id: "0", data: "" });
    feed.emit(feed.append(1));
    // Revision 5 from a registry whose store holds 1 only.
    feed.emit([{ type: "module.removed", module: "ghost", revision: 5 }]);
    const rest = await events.rest();
    expect(rest.map((m) => m.id)).toEqual(["1"]);
    expect(streams.size).toBe(0);
  });

  it(`MRS-R2 more than ${MAX_HELD_EVENTS} live events during a replay: dropped from memory, read from the store, none lost`, async () => {
    const feed = new FakeFeed();
    feed.emit(feed.append(3));
    const { url } = await serve(feed, { heartbeatMs: 60_000, maxBufferedBytes: 1 << 20 });
    const gate = feed.arm();
    const events = await openEvents(url, { since: 1 });
    await gate.entered;
    const during = MAX_HELD_EVENTS + 250;
    feed.emit(feed.append(during));
    gate.release();
    feed.emit(feed.append(2));
    const got = await events.changesThrough(feed.log.length);
    events.close();
    expect(revisions(got)).toEqual(range(2, feed.log.length));
  });

  it("MRS-R2 a live client that stops reading past the cap gets a last `overflow` event with its revision, and the connection ends", async () => {
    const feed = new FakeFeed();
    const cap = 16 * 1024;
    const { url } = await serve(feed, { heartbeatMs: 20, maxBufferedBytes: cap });
    const accepted = once(server?.server as NonNullable<typeof server>["server"], "connection") as Promise<[Socket]>;
    const events = await openEvents(url);
    const [serverSide] = await accepted;
    expect(await events.next()).toMatchObject({ id: "0", data: "" });
    // From here the client reads nothing until the stream gave up on it (two heartbeats).
    feed.emit(feed.append(1));
    const stalled = feed.unsubscribed.promise.then(() => true);
    const big = 1024 * 1024;
    for (;;) {
      // Larger than the cap: once it is written, the stream is over its cap. And past the socket's
      // highWaterMark on every Node line, so the socket says `drain` once the kernel took all of it.
      const left = once(serverSide, "drain").then(() => false);
      feed.emit(feed.append(1, big));
      // Held, not written while the change before is unsent.
      feed.emit(feed.append(1));
      // The kernel's buffers between the two ends take a few MiB the client never read, how many
      // depending on the system and on how far the client's runtime read ahead (up to its
      // streams' highWaterMark, 64 KiB since Node 22 and 16 KiB before; Linux grows a receive
      // buffer the more its reader took): on Linux with its defaults, 3 of these changes under
      // Node 20, 5 under Node 22 and 24. A change they took all of left nothing unsent, and the
      // stream goes on; until one they cannot take.
      if (await Promise.race([left, stalled])) break;
    }
    const rest = await events.rest();
    // The last change, held, never went out; every one before it did, in order, then `overflow`.
    const sent = feed.log.length - 1;
    expect(rest.map((m) => m.event)).toEqual([...range(1, sent).map(() => "message"), "overflow"]);
    expect(rest.map((m) => m.id)).toEqual([...range(1, sent).map(String), undefined]);
    const overflow = JSON.parse(rest.at(-1)?.data ?? "");
    expect(overflow).toMatchObject({ type: "overflow", revision: sent, bufferedBytes: expect.any(Number) });
    // What the process held for it: the cap and the change that crossed it, no more.
    expect(overflow.bufferedBytes).toBeGreaterThan(cap);
    expect(overflow.bufferedBytes).toBeLessThanOrEqual(cap + big + 1024);
  });

  it("MRS-R2 a client that stops reading during a replay is dropped after two heartbeats without progress", async () => {
    const feed = new FakeFeed();
    feed.emit(feed.append(40, 256 * 1024));
    const { port, streams } = await serve(feed, { heartbeatMs: 20, maxBufferedBytes: 64 * 1024 });
    const accepted = once(server?.server as NonNullable<typeof server>["server"], "connection") as Promise<[Socket]>;
    const client = connect(port, "127.0.0.1");
    await once(client, "connect");
    client.pause();
    client.write("GET /v1/events?since=0 HTTP/1.1\r\nHost: test\r\n\r\n");
    const [serverSide] = await accepted;
    await feed.unsubscribed.promise;
    expect(streams.size).toBe(0);
    // What the process held for it: the cap and the change it was writing, not the whole log (10 MiB).
    expect(serverSide.writableLength).toBeLessThan(64 * 1024 + 2 * 256 * 1024);
    await once(serverSide, "close");
    client.destroy();
  });
});
