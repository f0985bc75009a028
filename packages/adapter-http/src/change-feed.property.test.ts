// A property over real loopback HTTP: a follower that drops its stream at random points, while
// registrations arrive concurrently (over HTTP, and inside the very store reads that its
// replays make), and resumes each time with the last id it saw, ends with exactly the server's
// sequence of changes (RULES.md R2).
import { memoryStore } from "@rune/mrs-adapter-memory";
import type { RegistryEvent, RegistryStore } from "@rune/mrs-core";
import { samplePayload } from "@rune/mrs-testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allChanges, type EventReader, type Message, openEvents } from "./feed-test-support.js";
import { ALL, call, startApi, type TestApi } from "./test-support.js";

/** A registration: a name of a small pool (so some upgrade, some are duplicates or superseded) and a version. */
const registration = fc.record({
  name: fc.constantFrom("alpha", "beta", "gamma", "delta"),
  version: fc.constantFrom("1.0.0", "1.1.0", "2.0.0"),
});
type Registration = { readonly name: string; readonly version: string };

/** What happens during one store read of a replay: registrations committed before or after the read itself. */
const injection = fc.record({
  registrations: fc.array(registration, { maxLength: 3 }),
  read: fc.constantFrom("before" as const, "after" as const),
});
type Injection = { readonly registrations: readonly Registration[]; readonly read: "before" | "after" };

const WAKE: unique symbol = Symbol("registrations done");
/** Store reads in progress (each may be committing an injection's registrations). */
const reading = new Set<Promise<unknown>>();

/**
 * Follows `GET /v1/events` from `since`, dropping the connection after `cuts[i]` changes on its
 * i-th connection (then reading on the last one), until it has seen revision `target` (known
 * once `finished` resolves). Each reconnection sends `Last-Event-ID` only. `lastOpened`
 * resolves when its last connection is open.
 */
function follower(
  url: string,
  since: number,
  cuts: readonly number[],
  quiet: Promise<void>,
  finished: Promise<number>,
): { changes: Promise<RegistryEvent[]>; lastOpened: Promise<void> } {
  let opened: () => void = () => undefined;
  const lastOpened = new Promise<void>((resolve) => {
    opened = resolve;
  });
  let target: number | undefined;
  const done: Promise<typeof WAKE> = finished.then((revision) => {
    target = revision;
    return WAKE;
  });
  // Once the registrations are over, the cuts still to come would wait for changes that never come.
  let calm = false;
  const hush: Promise<typeof WAKE> = quiet.then(() => {
    calm = true;
    return WAKE;
  });
  const run = async () => {
    const changes: RegistryEvent[] = [];
    let last = since;
    for (let connection = 0; ; connection++) {
      const events: EventReader = await openEvents(url, { lastEventId: String(last) });
      const cut = calm ? undefined : cuts[connection];
      if (cut === undefined) opened();
      let taken = 0;
      let pending: Promise<Message | null> | undefined;
      for (;;) {
        if (target !== undefined && last >= target) {
          pending?.catch(() => undefined);
          events.close();
          return changes;
        }
        if (cut !== undefined && calm) {
          pending?.catch(() => undefined);
          events.close();
          break;
        }
        pending ??= events.next();
        const read =
          target !== undefined
            ? await pending
            : await Promise.race([pending, done, ...(cut === undefined ? [] : [hush])]);
        if (read === WAKE) continue;
        pending = undefined;
        if (read === null) throw new Error("the server ended the stream");
        if (read.event !== "message") throw new Error(`unexpected ${read.event} event`);
        if (read.data === "") continue;
        const change = JSON.parse(read.data) as RegistryEvent;
        if (read.id !== String(change.revision)) throw new Error(`id ${read.id} for revision ${change.revision}`);
        changes.push(change);
        last = change.revision;
        taken += 1;
        if (cut !== undefined && taken >= cut) {
          events.close();
          break;
        }
      }
    }
  };
  return { changes: run(), lastOpened };
}

describe("the change feed under disconnections (MRS-R2, property)", () => {
  let api: TestApi;
  const injections: Injection[] = [];
  beforeAll(async () => {
    // Each store read of a replay may take the next injection: registrations committed while
    // the read is in progress, the read seeing them (read "after") or not ("before").
    const inner = memoryStore();
    const store: RegistryStore = {
      ...inner,
      changesSince(since, limit) {
        const step = injections.shift();
        if (step === undefined) return inner.changesSince(since, limit);
        const commit = () =>
          Promise.all(
            step.registrations.map((r) =>
              api.registry.register({ payload: samplePayload(r.name, r.version) }, "during-replay"),
            ),
          );
        const read = (async () => {
          if (step.read === "after") await commit();
          const page = await inner.changesSince(since, limit);
          if (step.read === "before") await commit();
          return page;
        })();
        reading.add(read);
        void read.finally(() => reading.delete(read));
        return read;
      },
    };
    api = await startApi({ store });
  });
  afterAll(() => api.close());

  it("MRS-R2 a follower that disconnects anywhere and resumes with its last id ends with exactly the server's changes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(registration, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 6 }),
        fc.array(injection, { maxLength: 7 }),
        async (batches, cuts, steps) => {
          const since = api.registry.revision;
          injections.splice(0, injections.length, ...steps);
          let finish: (revision: number) => void = () => undefined;
          const finished = new Promise<number>((resolve) => {
            finish = resolve;
          });
          let quiet: () => void = () => undefined;
          const quieted = new Promise<void>((resolve) => {
            quiet = resolve;
          });
          const following = follower(api.url, since, cuts, quieted, finished);
          for (const batch of batches) {
            // Each batch at once: the registry may commit them together (group commit).
            const answers = await Promise.all(
              batch.map(({ name, version }) =>
                call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload(name, version) }),
              ),
            );
            for (const answer of answers) expect([200, 201, 409]).toContain(answer.status);
          }
          quiet();
          // Its last connection open, its replay has taken its injection (the store is read
          // before the stream's first line goes out): the rest is not run; then the server is done.
          await following.lastOpened;
          injections.length = 0;
          while (reading.size > 0) await Promise.all(reading);
          finish(api.registry.revision);
          const changes = await following.changes;
          const server = await allChanges(api.url, since);
          expect(changes).toEqual(server);
          expect(changes.map((c) => c.revision)).toEqual(server.map((_, i) => since + 1 + i));
        },
      ),
      { numRuns: 60 },
    );
  });
});
