// Two LOMs on one PostgreSQL store: what the first commits reaches the second's event stream
// (GET /v1/events) with the store's revisions, in order (RULES.md R1, R2).
import type { AddressInfo } from "node:net";
import { createMrsServer } from "@rune/mrs-adapter-http";
import { mrsClient } from "@rune/mrs-adapter-http/client";
import { type ChangesPage, createRegistry, eventOf, type RegistryEvent } from "@rune/mrs-core";
import { samplePayload } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { cleanUp, freshSchema, storeOn } from "../test/support.js";

afterAll(cleanUp);

/** Every change after `since` as events, read from a registry's store page by page. */
async function storeEvents(changes: (since: number) => Promise<ChangesPage>, since: number): Promise<RegistryEvent[]> {
  const out: RegistryEvent[] = [];
  for (let next = since; ; ) {
    const page = await changes(next);
    if (!page.ok) throw new Error(`compacted at ${page.oldest}`);
    out.push(...page.changes.map(eventOf));
    if (page.changes.length === 0 || (out.at(-1)?.revision ?? next) >= page.revision) return out;
    next = out.at(-1)?.revision ?? next;
  }
}

describe("the change feed across LOMs on one PostgreSQL store (MRS-R1, MRS-R2)", () => {
  it("MRS-R1 MRS-R2 changes committed through another LOM reach this LOM's event stream with their revisions, in order", async () => {
    const schema = freshSchema();
    const first = createRegistry({ store: storeOn({ schema, watchCoalesceMs: 0 }) });
    await first.start();
    const second = createRegistry({ store: storeOn({ schema, watchCoalesceMs: 0 }) });
    await second.start();
    const token = "feed-token-0123456789";
    const server = createMrsServer({ registry: second, tokens: [{ token, modules: ["*"] }] });
    await server.listen({ host: "127.0.0.1", port: 0 });
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    const controller = new AbortController();
    try {
      const since = second.revision;
      const lom = mrsClient({ url, token });
      const changes = lom.follow({ since, signal: controller.signal })[Symbol.asyncIterator]();

      // Through the first LOM, one at a time and in bursts; some through the second's API meanwhile.
      for (let i = 0; i < 5; i++) await first.register({ payload: samplePayload(`pg-feed-${i}`) }, "first");
      await Promise.all([
        ...Array.from({ length: 8 }, (_, i) =>
          first.register({ payload: samplePayload(`pg-burst-${i % 4}`, `1.${i}.0`) }, "first"),
        ),
        ...Array.from({ length: 3 }, (_, i) => lom.register(samplePayload(`pg-second-${i}`))),
      ]);
      await first.deregister("pg-feed-0", { source: "first" });
      // The first LOM's revision is the store's latest: every change up to it must arrive.
      const target = Math.max(first.revision, second.revision);

      const got: RegistryEvent[] = [];
      while ((got.at(-1)?.revision ?? since) < target) {
        const next = await changes.next();
        if (next.done) throw new Error("the follow ended");
        got.push(next.value);
      }
      controller.abort();

      expect(got.map((e) => e.revision)).toEqual(Array.from({ length: target - since }, (_, i) => since + 1 + i));
      expect(got).toEqual(await storeEvents((s) => first.changes(s, 100), since));
      expect(got.filter((e) => e.type === "decision").length).toBeGreaterThanOrEqual(17);
      expect(got.at(-1)).toMatchObject({ type: "module", module: "pg-feed-0", action: "removed" });
      // Resuming from the middle over HTTP gives the rest, the same.
      const middle = got[Math.floor(got.length / 2)]?.revision ?? since;
      const page = (await (await fetch(`${url}/v1/changes?since=${middle}`)).json()) as { changes: RegistryEvent[] };
      expect(page.changes).toEqual(got.filter((e) => e.revision > middle));
    } finally {
      controller.abort();
      const closing = server.close();
      server.server.closeAllConnections();
      await closing;
      await second.close();
      await first.close();
    }
  });
});
