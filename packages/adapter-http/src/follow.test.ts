import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { memoryStore } from "@rune/mrs-adapter-memory";
import type { RegistryEvent } from "@rune/mrs-core";
import { samplePayload } from "@rune/mrs-testkit";
import { describe, expect, it } from "vitest";
import { type ChangeEvent, FollowInterrupted, mrsClient } from "./client.js";
import { allChanges, compactingStore } from "./feed-test-support.js";
import { ALL, startApi, type TestApi } from "./test-support.js";

/**
 * Closes the server and every connection at once: fetch's pool opens a spare connection when a
 * follow aborts its request, and the server would wait for that idle socket to time out (4 s).
 */
async function close(api: TestApi): Promise<void> {
  const closing = api.close();
  api.server.server.closeAllConnections();
  await closing;
}

/** Takes changes from a follow until one has revision `revision` or more. */
async function take(changes: AsyncIterator<ChangeEvent>, revision: number): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  while ((out.at(-1)?.revision ?? -1) < revision) {
    const next = await changes.next();
    if (next.done) throw new Error(`the follow ended before revision ${revision}`);
    out.push(next.value);
  }
  return out;
}

/** The `GET /v1/events` requests the server receives, as they come. */
function eventRequests(api: TestApi): { request: IncomingMessage; response: ServerResponse }[] {
  const seen: { request: IncomingMessage; response: ServerResponse }[] = [];
  api.server.server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (request.url?.startsWith("/v1/events")) seen.push({ request, response });
  });
  return seen;
}

describe("mrsClient: conditional reads (MRS-R4)", () => {
  it("MRS-R4 keeps each read's answer and ETag: while the catalog stays at that revision, a 304 answers the answer held", async () => {
    const api = await startApi();
    try {
      const lom = mrsClient({ url: api.url, token: ALL });
      await lom.register(samplePayload("cached"));
      const reads = [
        () => lom.modules(),
        () => lom.module("cached"),
        () => lom.capabilities(),
        () => lom.capability("cached"),
        () => lom.actions(),
      ];
      for (const read of reads) {
        const first = await read();
        const again = await read();
        expect(first).toMatchObject({ ok: true, status: 200, revision: api.registry.revision });
        expect(again).toMatchObject({ ok: true, status: 304, revision: api.registry.revision });
        expect(again.ok && again.value).toEqual(first.ok && first.value);
      }
      await lom.register(samplePayload("cached-too"));
      const changed = await lom.modules();
      expect(changed).toMatchObject({ ok: true, status: 200 });
      expect(changed.ok && changed.value.map((m) => m.module_name)).toEqual(["cached", "cached-too"]);
      // A read that fails keeps nothing: a 404 is answered as such, every time.
      expect(await lom.module("nope")).toMatchObject({ ok: false, status: 404 });
      expect(await lom.module("nope")).toMatchObject({ ok: false, status: 404 });
    } finally {
      await close(api);
    }
  });
});

describe("mrsClient.follow (MRS-R2, MRS-R3)", () => {
  it("MRS-R2 yields every change after since, in order, then the live ones; aborting ends it", async () => {
    const api = await startApi();
    try {
      const lom = mrsClient({ url: api.url, token: ALL });
      await lom.register(samplePayload("earlier"));
      const controller = new AbortController();
      const changes = lom.follow({ since: 0, signal: controller.signal });
      const replayed = await take(changes, api.registry.revision);
      await lom.register(samplePayload("later"));
      const live = await take(changes, api.registry.revision);
      expect([...replayed, ...live]).toEqual(await allChanges(api.url, 0));
      controller.abort();
      expect(await changes.next()).toEqual({ done: true, value: undefined });
    } finally {
      await close(api);
    }
  });

  it("MRS-R2 reconnects by itself when the stream drops, resuming after the last revision it yielded", async () => {
    const api = await startApi();
    const requests = eventRequests(api);
    try {
      const lom = mrsClient({ url: api.url, token: ALL });
      const since = api.registry.revision;
      const changes = lom.follow({ since });
      await lom.register(samplePayload("before-drop"));
      const first = await take(changes, api.registry.revision);
      const seen = api.registry.revision;
      // The server drops every connection; a change lands while the follower is away.
      const dropped = once(requests[0]?.response as ServerResponse, "close");
      api.server.server.closeAllConnections();
      await dropped;
      // (in process: the client's own pooled connections were dropped too)
      await api.registry.register({ payload: samplePayload("during-drop") }, "test");
      const second = await take(changes, api.registry.revision);
      await changes.return?.();
      expect(requests.length).toBe(2);
      expect(requests[1]?.request.headers["last-event-id"]).toBe(String(seen));
      expect(requests[1]?.request.url).toBe(`/v1/events?since=${seen}`);
      expect([...first, ...second]).toEqual(await allChanges(api.url, since));
    } finally {
      await close(api);
    }
  });

  it("MRS-R2 breaking out of the loop closes its connection", async () => {
    const api = await startApi();
    const requests = eventRequests(api);
    try {
      const lom = mrsClient({ url: api.url, token: ALL });
      await lom.register(samplePayload("one"));
      for await (const change of lom.follow({ since: 0 })) {
        if (change.revision >= api.registry.revision) break;
      }
      await once(requests[0]?.response as ServerResponse, "close");
    } finally {
      await close(api);
    }
  });

  it("MRS-R3 past what the LOM keeps: throws FollowInterrupted (REVISION_COMPACTED) with the oldest revision held", async () => {
    let oldest = 1;
    const api = await startApi({ store: compactingStore(memoryStore(), () => oldest) });
    try {
      const lom = mrsClient({ url: api.url, token: ALL });
      for (const name of ["gone-1", "gone-2"]) await lom.register(samplePayload(name));
      oldest = 4;
      const error = await take(lom.follow({ since: 1 }), 10).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FollowInterrupted);
      expect(error).toMatchObject({ reason: "compacted", since: 1, revision: 4, code: "REVISION_COMPACTED" });
      // A LOM whose store is younger than the revision held (it restarted on a memory store): reset.
      const reset = await take(lom.follow({ since: 9_999 }), 10_000).catch((e: unknown) => e);
      expect(reset).toMatchObject({ reason: "reset", since: 9_999, revision: api.registry.revision });
    } finally {
      await close(api);
    }
  });

  it("MRS-A1 a refusal that asking again cannot change (401) is thrown, not retried", async () => {
    const api = await startApi({ read: "token" });
    const requests = eventRequests(api);
    try {
      const error = await take(mrsClient({ url: api.url }).follow({ since: 0 }), 1).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "UNAUTHORIZED" });
      expect(requests.length).toBe(1);
    } finally {
      await close(api);
    }
  });

  it("MRS-R2 without since, it starts from the LOM's revision when the stream opens", async () => {
    const api = await startApi();
    try {
      const lom = mrsClient({ url: api.url, token: ALL });
      await lom.register(samplePayload("old-news"));
      const changes = lom.follow();
      // The stream is open once the server writes its first line (it subscribed before): what comes next is new.
      const opened = new Promise<void>((resolve) =>
        api.server.server.once("request", (_request: IncomingMessage, response: ServerResponse) => {
          const write = response.write.bind(response) as (...args: unknown[]) => boolean;
          response.write = ((...args: unknown[]) => {
            resolve();
            return write(...args);
          }) as typeof response.write;
        }),
      );
      const first = changes.next();
      await opened;
      await lom.register(samplePayload("news"));
      const got = [(await first).value as RegistryEvent, ...(await take(changes, api.registry.revision))];
      await changes.return?.();
      expect(got[0]).toMatchObject({ type: "decision", decision: { module: "news" } });
    } finally {
      await close(api);
    }
  });
});
