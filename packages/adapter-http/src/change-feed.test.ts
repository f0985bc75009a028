import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { setImmediate } from "node:timers/promises";
import { memoryStore } from "@rune/mrs-adapter-memory";
import type { RegistryEvent } from "@rune/mrs-core";
import { samplePayload } from "@rune/mrs-testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allChanges, bulkyPayload, compactingStore, gatedStore, openEvents } from "./feed-test-support.js";
import { ALL, call, codes, startApi, type TestApi } from "./test-support.js";

const register = (api: TestApi, name: string, version = "1.0.0") =>
  call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload(name, version) });

describe("GET /v1/events: every change with its revision (MRS-R2)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it("MRS-R2 opens with retry: and id: the revision it starts from (so a stream that drops before its first change resumes there)", async () => {
    const response = await fetch(`${api.url}/v1/events`);
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let text = "";
    while (!text.includes(": connected")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toMatch(new RegExp(`^retry: 2000\nid: ${api.registry.revision}\n\n`));
  });

  it("MRS-R2 module events are on the stream now: put, expired/live and removed, each with id: its revision", async () => {
    const from = api.registry.revision;
    const events = await openEvents(api.url, { since: from });
    await register(api, "feed-put");
    await call(`${api.url}/v1/modules/feed-put`, { method: "DELETE", token: ALL });
    const changes = await events.changesThrough(api.registry.revision);
    events.close();
    expect(changes.map((c) => c.revision)).toEqual([from + 1, from + 2, from + 3, from + 4]);
    expect(changes).toMatchObject([
      { type: "decision", decision: { outcome: "accepted", module: "feed-put" } },
      { type: "module", module: "feed-put", action: "put", record: { decisionId: expect.any(String) } },
      { type: "decision", decision: { outcome: "deregistered", module: "feed-put" } },
      { type: "module", module: "feed-put", action: "removed" },
    ]);
  });

  it("MRS-R2 Last-Event-ID resumes after that revision: every later change, in order, then the live ones", async () => {
    const from = api.registry.revision;
    for (const name of ["resume-a", "resume-b", "resume-c"]) await register(api, name);
    const head = api.registry.revision;
    const events = await openEvents(api.url, { lastEventId: String(from + 2) });
    const replayed = await events.changesThrough(head);
    expect(replayed.map((c) => c.revision)).toEqual(range(from + 3, head));
    await register(api, "resume-live");
    const live = await events.changesThrough(api.registry.revision);
    events.close();
    expect(live.map((c) => c.revision)).toEqual(range(head + 1, api.registry.revision));
    expect(live[0]).toMatchObject({ type: "decision", decision: { module: "resume-live" } });
  });

  it("MRS-R2 ?since=N is the same as Last-Event-ID: N, and Last-Event-ID wins when both are sent", async () => {
    const head = api.registry.revision;
    const bySince = await openEvents(api.url, { since: head - 3 });
    const byBoth = await openEvents(api.url, { since: 0, lastEventId: String(head - 3) });
    const a = await bySince.changesThrough(head);
    const b = await byBoth.changesThrough(head);
    bySince.close();
    byBoth.close();
    expect(a).toEqual(b);
    expect(a.map((c) => c.revision)).toEqual(range(head - 2, head));
    expect(a).toEqual(await allChanges(api.url, head - 3));
  });

  it("MRS-R2 a Last-Event-ID or since that is not a revision: 400 INVALID_REQUEST", async () => {
    const byHeader = await fetch(`${api.url}/v1/events`, { headers: { "last-event-id": "r12" } });
    expect(byHeader.status).toBe(400);
    expect(codes((await byHeader.json()) as { errors: { code: string }[] })).toEqual(["INVALID_REQUEST"]);
    const byQuery = await call(`${api.url}/v1/events?since=-1`);
    expect(byQuery.status).toBe(400);
  });
});

describe("GET /v1/events: replay, then live, with no gap and no repeat (MRS-R2)", () => {
  for (const read of ["before", "after"] as const) {
    it(`MRS-R2 changes committed while the replay reads the store (read ${read} them) are sent once each, in order`, async () => {
      const store = gatedStore(memoryStore());
      const api = await startApi({ store });
      try {
        for (const name of ["before-1", "before-2"]) await register(api, name);
        const since = 1;
        const gate = store.arm(read);
        const events = await openEvents(api.url, { since });
        await gate.entered;
        // The replay is inside the store's changesSince: these commits happen during it.
        for (const name of ["during-1", "during-2", "during-3"]) await register(api, name);
        gate.release();
        await register(api, "after-1");
        const got = await events.changesThrough(api.registry.revision);
        events.close();
        const expected = await allChanges(api.url, since);
        expect(got).toEqual(expected);
        expect(got.map((c) => c.revision)).toEqual(range(since + 1, api.registry.revision));
      } finally {
        await api.close();
      }
    });
  }

  it("MRS-R2 a replay longer than one store read (500 changes) goes page after page, then live", async () => {
    const api = await startApi();
    try {
      await Promise.all(
        Array.from({ length: 400 }, (_, i) => api.registry.register({ payload: samplePayload(`bulk-${i}`) }, "test")),
      );
      const head = api.registry.revision;
      expect(head).toBeGreaterThan(800);
      const events = await openEvents(api.url, { since: 0 });
      const replayed = await events.changesThrough(head);
      await register(api, "bulk-live");
      const live = await events.changesThrough(api.registry.revision);
      events.close();
      expect([...replayed, ...live]).toEqual(await allChanges(api.url, 0, 333));
    } finally {
      await api.close();
    }
  });
});

describe("GET /v1/events: when it cannot go on", () => {
  it("MRS-R3 a since older than the store keeps: a last `compacted` event with the oldest revision held, then the end", async () => {
    let oldest = 1;
    const api = await startApi({ store: compactingStore(memoryStore(), () => oldest) });
    try {
      for (const name of ["c-1", "c-2", "c-3"]) await register(api, name);
      oldest = 5;
      const events = await openEvents(api.url, { since: 2 });
      const rest = await events.rest();
      const last = rest.at(-1);
      expect(last?.event).toBe("compacted");
      expect(JSON.parse(last?.data ?? "")).toMatchObject({
        type: "compacted",
        since: 2,
        oldest: 5,
        errors: [{ code: "REVISION_COMPACTED", rule: "R3", message: expect.stringContaining("5") }],
      });
      // Nothing of the changes was sent: the client must read the catalog again.
      expect(rest.filter((m) => m.event === "message" && m.data !== "")).toEqual([]);
      // From the oldest kept on, it resumes.
      const resumed = await openEvents(api.url, { since: 4 });
      expect((await resumed.changesThrough(api.registry.revision)).map((c) => c.revision)).toEqual(
        range(5, api.registry.revision),
      );
      resumed.close();
    } finally {
      await api.close();
    }
  });

  it("MRS-R2 a since beyond the store's latest revision (a store that restarted): a last `reset` event, then the end", async () => {
    const api = await startApi();
    try {
      const events = await openEvents(api.url, { lastEventId: "5000" });
      const rest = await events.rest();
      expect(rest.at(-1)?.event).toBe("reset");
      expect(JSON.parse(rest.at(-1)?.data ?? "")).toEqual({
        type: "reset",
        since: 5000,
        revision: api.registry.revision,
      });
    } finally {
      await api.close();
    }
  });

  it("MRS-R2 a client that never reads is dropped: the server holds at most the cap and one event for it", async () => {
    const cap = 64 * 1024;
    const api = await startApi({ eventBufferBytes: cap, heartbeatMs: 50 });
    try {
      const { port } = new URL(api.url);
      const accepted = once(api.server.server, "connection") as Promise<[Socket]>;
      const client = connect(Number(port), "127.0.0.1");
      await once(client, "connect");
      // It sends its request and never reads a byte of the answer.
      client.pause();
      client.write(`GET /v1/events?since=${api.registry.revision} HTTP/1.1\r\nHost: test\r\n\r\n`);
      const [serverSide] = await accepted;
      let dropped = false;
      serverSide.once("close", () => {
        dropped = true;
      });
      const eventBytes = 70_000;
      let sent = 0;
      let mostHeld = 0;
      for (let i = 0; !dropped; i++) {
        await api.registry.register({ payload: bulkyPayload(`stall-${i}`, eventBytes - 6_000) }, "test");
        sent += eventBytes;
        mostHeld = Math.max(mostHeld, serverSide.writableLength);
        // A memory store commits without I/O: let the sockets and timers have their turn.
        await setImmediate();
      }
      // The kernel's socket buffers take their share; the process never held more than the cap and one event.
      expect(mostHeld).toBeLessThanOrEqual(cap + 2 * eventBytes);
      client.resume();
      let received = 0;
      client.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      await once(client, "close");
      expect(received).toBeLessThan(sent);
    } finally {
      await api.close();
    }
  });
});

describe("GET /v1/changes (MRS-R2, MRS-R3)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
    for (const name of ["page-a", "page-b", "page-c", "page-d"]) await register(api, name);
  });
  afterAll(() => api.close());

  it("MRS-R2 pages of the changes after since, as events: next is the since of the next page", async () => {
    const head = api.registry.revision;
    const first = await call(`${api.url}/v1/changes?since=2&limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.changes.map((c: RegistryEvent) => c.revision)).toEqual([3, 4, 5]);
    expect(first.body).toMatchObject({ next: 5, revision: head });
    expect(first.body.changes).toMatchObject([
      { type: "module", revision: 3, module: "page-a", action: "put" },
      { type: "decision", revision: 4, decision: { module: "page-b" } },
      { type: "module", revision: 5, module: "page-b", action: "put" },
    ]);
    const all = await allChanges(api.url, 0, 2);
    expect(all.map((c) => c.revision)).toEqual(range(1, head));
    expect(all[0]).toMatchObject({ type: "session", revision: 1, session: { id: api.registry.session().id } });
  });

  it("MRS-R2 the changes are those of the event stream, item for item", async () => {
    const events = await openEvents(api.url, { since: 0 });
    const streamed = await events.changesThrough(api.registry.revision);
    events.close();
    expect(streamed).toEqual(await allChanges(api.url, 0));
  });

  it("MRS-R2 nothing after since: an empty page whose next is since; a since beyond the store's revision says so by revision", async () => {
    const head = api.registry.revision;
    expect((await call(`${api.url}/v1/changes?since=${head}`)).body).toEqual({
      changes: [],
      next: head,
      revision: head,
    });
    expect((await call(`${api.url}/v1/changes?since=${head + 50}`)).body).toEqual({
      changes: [],
      next: head + 50,
      revision: head,
    });
  });

  it("MRS-R2 a since or limit that is not a whole number: 400; without since, from the start", async () => {
    for (const query of ["since=-1", "since=x", "limit=0", "since=1&limit=many"]) {
      const r = await call(`${api.url}/v1/changes?${query}`);
      expect(r.status, query).toBe(400);
      expect(codes(r.body), query).toEqual(["INVALID_REQUEST"]);
    }
    expect((await call(`${api.url}/v1/changes?limit=1`)).body.changes[0].revision).toBe(1);
  });

  it("MRS-R3 a since older than the store keeps: 410 REVISION_COMPACTED with the oldest revision held", async () => {
    let oldest = 1;
    const compacted = await startApi({ store: compactingStore(memoryStore(), () => oldest) });
    try {
      for (const name of ["gone-1", "gone-2"]) await register(compacted, name);
      oldest = 4;
      const r = await call(`${compacted.url}/v1/changes?since=1`);
      expect(r.status).toBe(410);
      expect(r.body).toMatchObject({
        oldest: 4,
        errors: [{ code: "REVISION_COMPACTED", rule: "R3", pointer: "", message: expect.stringContaining("4") }],
      });
      expect((await call(`${compacted.url}/v1/changes?since=3`)).status).toBe(200);
    } finally {
      await compacted.close();
    }
  });

  it('MRS-A1 with read: "token" it needs a token, as the other reads', async () => {
    const closed = await startApi({ read: "token" });
    try {
      expect((await call(`${closed.url}/v1/changes`)).status).toBe(401);
      expect((await call(`${closed.url}/v1/changes`, { token: ALL })).status).toBe(200);
      const events = await fetch(`${closed.url}/v1/events?since=0`);
      expect(events.status).toBe(401);
    } finally {
      await closed.close();
    }
  });
});

describe("ETag and If-None-Match on catalog reads (MRS-R4)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
    await register(api, "tagged");
  });
  afterAll(() => api.close());

  const routes = [
    ["/v1/modules", true],
    ["/v1/modules/tagged", true],
    ["/v1/capabilities", false],
    ["/v1/capabilities/tagged", false],
    ["/v1/capabilities/tagged/tagged", false],
    ["/v1/actions", false],
  ] as const;

  it("MRS-R4 every catalog read answers an ETag of the revision it shows; If-None-Match with it: 304, no body", async () => {
    for (const [path, weak] of routes) {
      const first = await fetch(`${api.url}${path}`);
      const etag = first.headers.get("etag");
      expect(etag, path).toBe(`${weak ? "W/" : ""}"r${api.registry.revision}"`);
      expect(first.headers.get("cache-control"), path).toBe("no-cache");
      const again = await fetch(`${api.url}${path}`, { headers: { "if-none-match": etag as string } });
      expect(again.status, path).toBe(304);
      expect(await again.text(), path).toBe("");
      expect(again.headers.get("etag"), path).toBe(etag);
    }
  });

  it("MRS-R4 after a change: 200 with the body and a new ETag; a list of tags or * matches as HTTP says", async () => {
    const before = await fetch(`${api.url}/v1/capabilities`);
    const old = before.headers.get("etag") as string;
    await register(api, "tagged-too");
    const after = await fetch(`${api.url}/v1/capabilities`, { headers: { "if-none-match": old } });
    expect(after.status).toBe(200);
    const fresh = after.headers.get("etag") as string;
    expect(fresh).toBe(`"r${api.registry.revision}"`);
    expect(((await after.json()) as { capabilities: unknown[] }).capabilities).toHaveLength(2);
    for (const asked of [`${old}, ${fresh}`, `W/${fresh}`, "*"]) {
      const r = await fetch(`${api.url}/v1/capabilities`, { headers: { "if-none-match": asked } });
      expect(r.status, asked).toBe(304);
    }
    const stale = await fetch(`${api.url}/v1/modules/tagged`, { headers: { "if-none-match": 'W/"r1"' } });
    expect(stale.status).toBe(200);
  });

  it("MRS-R4 an unknown module or action is a 404 without an ETag", async () => {
    for (const path of ["/v1/modules/nope", "/v1/capabilities/nope"]) {
      const r = await fetch(`${api.url}${path}`, { headers: { "if-none-match": "*" } });
      expect(r.status, path).toBe(404);
      expect(r.headers.get("etag"), path).toBeNull();
    }
  });
});

/** `from` to `to`, both included. */
function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
