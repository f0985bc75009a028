import {
  applyChanges,
  type Change,
  createRegistry,
  type Decision,
  type RegistryStore,
  type RevisionedChange,
} from "@rune/mrs-core";
import { describe, expect, it } from "vitest";
import { faultyStore } from "./faults.js";
import { sampleCatalog, sampleChanges, samplePayload, trickyPayload } from "./fixtures.js";

/** How the suite gets stores of the adapter under test. */
export interface StoreFactory {
  /** A new, empty store (a fresh temporary file, a fresh database schema, a fresh server...). */
  create(): RegistryStore | Promise<RegistryStore>;
  /**
   * Optional: a second, independent handle on the same backing as `store` (what another
   * process would open), for the several-writers checks. Without it they run on one handle.
   */
  peer?(store: RegistryStore): RegistryStore | Promise<RegistryStore>;
}

/** Sizes of the suite's heavier checks; lower them for slow backends. */
export interface StoreSuiteOptions {
  /** Modules in the large-catalog round trip. Default 2,000. */
  readonly largeCatalog?: number;
  /** Concurrent writers in the several-writers check. Default 8. */
  readonly writers?: number;
  /** Registrations each writer makes. Default 5. */
  readonly writesEach?: number;
  /** Changes the store must keep for readers (RULES.md R3). Default 10,000: lower it only to test the suite itself. */
  readonly changesKept?: number;
}

/** One check of the store contract: a name and a function that throws when the store breaks it. */
export interface StoreCheck {
  readonly name: string;
  run(factory: StoreFactory, options: Required<StoreSuiteOptions>): Promise<void>;
}

const defaults: Required<StoreSuiteOptions> = { largeCatalog: 2_000, writers: 8, writesEach: 5, changesKept: 10_000 };

async function withStores<T>(
  factory: StoreFactory,
  body: (stores: RegistryStore[]) => Promise<T>,
  peers = 0,
): Promise<T> {
  const first = await factory.create();
  const stores = [first];
  for (let i = 0; i < peers; i++) stores.push(factory.peer ? await factory.peer(first) : first);
  try {
    return await body(stores);
  } finally {
    for (const store of new Set(stores)) await store.close?.();
  }
}

/** Commits `changes` on `store` at `expected`, failing the check if the store refuses. */
async function commitOk(store: RegistryStore, expected: number, changes: readonly Change[]): Promise<number> {
  const result = await store.commit(expected, changes);
  if (!result.ok) throw new Error(`commit at revision ${expected} refused`);
  return result.revision;
}

/** The changes after `since`, failing the check if the store says they were compacted. */
async function changesAfter(store: RegistryStore, since: number, limit?: number): Promise<RevisionedChange[]> {
  const page = await store.changesSince(since, limit);
  if (!page.ok) throw new Error(`changes after ${since} were compacted (oldest kept: ${page.oldest})`);
  return [...page.changes];
}

/**
 * The store contract, check by check (exported so that a third-party adapter can run them one
 * by one, and so that the testkit can show that each check catches a broken store).
 */
export const storeChecks: readonly StoreCheck[] = [
  {
    name: "an empty store loads as null, at revision 0 with no changes",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        expect(await store.load()).toBeNull();
        expect(await store.changesSince(0)).toEqual({ ok: true, changes: [], revision: 0 });
      }),
  },
  {
    name: "MRS-R1 a commit on an empty store (expected 0) takes one revision per change and loads back as their sum",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const changes = sampleChanges(3);
        expect(await store.commit(0, changes)).toEqual({ ok: true, revision: changes.length });
        const loaded = await store.load();
        expect(loaded?.revision).toBe(changes.length);
        expect(loaded?.data).toEqual(applyChanges(null, sampleChanges(3)));
      }),
  },
  {
    name: "MRS-R1 a commit that names a stale revision is refused and changes nothing",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const first = await commitOk(store, 0, sampleChanges(1));
        const second = await commitOk(store, first, sampleChanges(1, "session-1", 1));
        expect(await store.commit(first, sampleChanges(5, "session-1", 2))).toEqual({ ok: false, conflict: true });
        expect(await store.commit(0, sampleChanges(5))).toEqual({ ok: false, conflict: true });
        expect(await store.commit(second + 1, sampleChanges(1, "session-1", 9))).toEqual({ ok: false, conflict: true });
        const loaded = await store.load();
        expect(Object.keys(loaded?.data.modules ?? {}).sort()).toEqual(["module-0", "module-1"]);
        expect(loaded?.revision).toBe(second);
        expect((await changesAfter(store, 0)).map((c) => c.revision)).toEqual(
          Array.from({ length: second }, (_, i) => i + 1),
        );
      }),
  },
  {
    name: "MRS-R1 MRS-R2 changesSince returns every change after a revision, in order, with its revision, within the limit",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const first = sampleChanges(2);
        const second = sampleChanges(2, "session-1", 2);
        const end = await commitOk(store, await commitOk(store, 0, first), second);
        const all = [...first, ...second].map((change, i) => ({ ...change, revision: i + 1 }));
        expect(end).toBe(all.length);
        expect(await changesAfter(store, 0)).toEqual(all);
        expect(await changesAfter(store, 3)).toEqual(all.slice(3));
        expect(await changesAfter(store, end)).toEqual([]);
        const page = await store.changesSince(1, 2);
        expect(page).toEqual({ ok: true, changes: all.slice(1, 3), revision: end });
      }),
  },
  {
    name: "MRS-R1 a batch is all or nothing: one that cannot be written leaves nothing of it",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const before = await commitOk(store, 0, sampleChanges(1));
        // The last change holds a value that neither JSON nor structured cloning can carry.
        const unwritable = { type: "module.put", record: { payload: { n: 10n, f: () => 1 } } } as unknown as Change;
        await expect(store.commit(before, [...sampleChanges(2, "session-1", 1), unwritable])).rejects.toBeDefined();
        expect((await store.load())?.revision).toBe(before);
        expect(Object.keys((await store.load())?.data.modules ?? {})).toEqual(["module-0"]);
        expect(await changesAfter(store, before)).toEqual([]);
        expect(await store.commit(before, sampleChanges(1, "session-1", 1))).toEqual({
          ok: true,
          revision: before + 2,
        });
      }),
  },
  {
    name: "MRS-R1 two handles on the same backing share one sequence of revisions",
    run: (f) =>
      withStores(
        f,
        async ([a, b]) => {
          const one = a as RegistryStore;
          const two = b as RegistryStore;
          const first = await commitOk(one, 0, sampleChanges(1));
          expect((await two.load())?.revision).toBe(first);
          expect(await two.commit(0, sampleChanges(1))).toEqual({ ok: false, conflict: true });
          const second = await commitOk(two, first, sampleChanges(1, "session-1", 1));
          expect(second).toBe(first + 2);
          expect(await one.commit(first, sampleChanges(1, "session-1", 5))).toEqual({ ok: false, conflict: true });
          expect((await changesAfter(one, first)).map((c) => c.revision)).toEqual([first + 1, first + 2]);
          expect(Object.keys((await one.load())?.data.modules ?? {}).sort()).toEqual(["module-0", "module-1"]);
        },
        1,
      ),
  },
  {
    name: "MRS-R1 a session.opened change starts the state over",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const first = await commitOk(store, 0, sampleChanges(3, "old"));
        await commitOk(store, first, sampleChanges(1, "new"));
        const loaded = await store.load();
        expect(loaded?.data.session.id).toBe("new");
        expect(Object.keys(loaded?.data.modules ?? {})).toEqual(["module-0"]);
        expect(loaded?.data.decisions.map((d) => d.sessionId)).toEqual(["new"]);
      }),
  },
  {
    name: "MRS-R3 keeps at least the last 10,000 changes",
    run: (f, o) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        let revision = await commitOk(store, 0, sampleChanges(1));
        const wanted = o.changesKept + 50;
        for (let from = 1; revision < wanted; from += 500)
          revision = await commitOk(store, revision, sampleChanges(500, "session-1", from));
        const since = revision - o.changesKept;
        const kept: RevisionedChange[] = [];
        while (kept.length < o.changesKept) {
          const page = await changesAfter(store, since + kept.length);
          if (page.length === 0) break;
          kept.push(...page);
        }
        expect(kept).toHaveLength(o.changesKept);
        expect(kept[0]?.revision).toBe(since + 1);
        expect(kept.at(-1)?.revision).toBe(revision);
      }),
  },
  {
    name: "MRS-E2 MRS-E12 x- extensions and __proto__ keys round-trip as data and change no prototype",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const payload = trickyPayload();
        const at = "2026-01-01T00:00:00.000Z";
        const record = { payload, source: "testkit", acceptedAt: at, decisionId: "d" };
        const decision: Decision = {
          id: "d",
          sessionId: "session-1",
          at,
          source: "testkit",
          outcome: "accepted",
          module: "tricky",
          version: "1.0.0",
          errors: [],
          warnings: [],
        };
        await commitOk(store, 0, [
          ...sampleChanges(0),
          { type: "decision.recorded", decision },
          { type: "module.put", record },
        ]);
        const loaded = await store.load();
        const [change] = (await changesAfter(store, 2)) as { record?: typeof record }[];
        for (const got of [loaded?.data.modules.tricky?.payload, change?.record?.payload]) {
          expect(got).toEqual(payload);
          const schema = got?.capabilities[0]?.input_schema as unknown as { properties: Record<string, unknown> };
          expect(Object.hasOwn(schema.properties, "__proto__")).toBe(true);
          expect(Object.getPrototypeOf(schema.properties)).toBe(Object.prototype);
        }
        expect(({} as Record<string, unknown>).type).toBeUndefined();
      }),
  },
  {
    name: "a large catalog round-trips",
    run: (f, o) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        await commitOk(store, 0, sampleChanges(o.largeCatalog));
        const loaded = await store.load();
        expect(Object.keys(loaded?.data.modules ?? {})).toHaveLength(o.largeCatalog);
        expect(loaded?.data).toEqual(sampleCatalog(o.largeCatalog));
      }),
  },
  {
    name: "watch (where offered) tells one handle of another's commit, with the new revision",
    run: (f) =>
      withStores(
        f,
        async ([a, b]) => {
          const watched = a as RegistryStore;
          const writer = b as RegistryStore;
          if (watched.watch === undefined || watched === writer) return;
          const told = new Promise<number>((resolve) => {
            const stop = watched.watch?.((revision) => {
              if (revision >= 3) {
                stop?.();
                resolve(revision);
              }
            });
          });
          await commitOk(writer, 0, sampleChanges(1));
          expect(await told).toBe(3);
        },
        1,
      ),
  },
  {
    name: "several writers (registries on separate handles) lose no acknowledged registration",
    run: (f, o) =>
      withStores(
        f,
        async (stores) => {
          const registries = stores.map((store) => createRegistry({ store }));
          await (registries[0] as ReturnType<typeof createRegistry>).start();
          for (const r of registries.slice(1)) await r.start();
          const acknowledged: string[] = [];
          await Promise.all(
            registries.map(async (registry, w) => {
              for (let i = 0; i < o.writesEach; i++) {
                const result = await registry.register({ payload: samplePayload(`w${w}-m${i}`) }, `writer-${w}`);
                if (result.ok) acknowledged.push(result.module);
              }
            }),
          );
          expect(acknowledged).toHaveLength(o.writers * o.writesEach);
          const check = createRegistry({ store: stores[0] as RegistryStore });
          await check.start();
          expect(
            check
              .modules()
              .map((m) => m.payload.registration_metadata.module_name)
              .sort(),
          ).toEqual([...acknowledged].sort());
        },
        o.writers - 1,
      ),
  },
  {
    name: "MRS-S5 concurrent registrations of one module at one version: exactly one is accepted",
    run: (f, o) =>
      withStores(
        f,
        async (stores) => {
          const registries = stores.map((store) => createRegistry({ store }));
          for (const r of registries) await r.start();
          const results = await Promise.all(
            registries.map((r) => r.register({ payload: samplePayload("shared") }, "w")),
          );
          expect(results.filter((r) => r.ok)).toHaveLength(1);
          for (const r of results.filter((x) => !x.ok)) {
            expect(r.ok ? null : r.errors[0]).toMatchObject({ code: "DUPLICATE_REGISTRATION", identical: true });
          }
        },
        o.writers - 1,
      ),
  },
  {
    name: "MRS-S11 a failed commit leaves the store as it was, and the next registration works",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const registry = createRegistry({ store: faultyStore(store, { failCommit: 3 }) });
        await registry.start(); // commit 1: the new session
        expect((await registry.register({ payload: samplePayload("one") }, "t")).ok).toBe(true); // commit 2
        const failed = await registry.register({ payload: samplePayload("two") }, "t"); // commit 3 fails
        expect(failed.ok ? [] : failed.errors.map((e) => e.code)).toEqual(["STORE_UNAVAILABLE"]);
        const after = await store.load();
        expect(Object.keys(after?.data.modules ?? {})).toEqual(["one"]);
        expect((await registry.register({ payload: samplePayload("two") }, "t")).ok).toBe(true);
        expect(Object.keys((await store.load())?.data.modules ?? {}).sort()).toEqual(["one", "two"]);
      }),
  },
  {
    name: "a registry restarted on the store resumes the same session",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const first = createRegistry({ store });
        const opened = await first.start();
        await first.register({ payload: samplePayload("kept") }, "t");
        const second = createRegistry({ store });
        const resumed = await second.start();
        expect(resumed.resumed).toBe(true);
        expect(resumed.session.id).toBe(opened.session.id);
        expect(second.module("kept")).toBeDefined();
      }),
  },
];

/**
 * Runs the whole store contract against an adapter, in a `describe` block.
 *
 * @example
 * import { testStore } from "@rune/mrs-testkit";
 * import { memoryStore } from "@rune/mrs-adapter-memory";
 * testStore("memory", { create: () => memoryStore() });
 */
export function testStore(name: string, factory: StoreFactory, options: StoreSuiteOptions = {}): void {
  const sized = { ...defaults, ...options };
  describe(`RegistryStore conformance: ${name}`, () => {
    for (const check of storeChecks) {
      it(check.name, () => check.run(factory, sized));
    }
  });
}
