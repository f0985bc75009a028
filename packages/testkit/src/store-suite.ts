import { type CatalogData, createRegistry, type RegistryStore } from "@rune/mrs-core";
import { describe, expect, it } from "vitest";
import { faultyStore } from "./faults.js";
import { sampleCatalog, samplePayload, trickyPayload } from "./fixtures.js";

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
}

/** One check of the store contract: a name and a function that throws when the store breaks it. */
export interface StoreCheck {
  readonly name: string;
  run(factory: StoreFactory, options: Required<StoreSuiteOptions>): Promise<void>;
}

const defaults: Required<StoreSuiteOptions> = { largeCatalog: 2_000, writers: 8, writesEach: 5 };

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

/**
 * The store contract, check by check (exported so that a third-party adapter can run them one
 * by one, and so that the testkit can show that each check catches a broken store).
 */
export const storeChecks: readonly StoreCheck[] = [
  {
    name: "an empty store loads as null",
    run: (f) =>
      withStores(f, async ([s]) => {
        expect(await s?.load()).toBeNull();
      }),
  },
  {
    name: "a commit on an empty store (expected null) is stored and loads back equal",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const data = sampleCatalog(3);
        const result = await store.commit(null, data);
        expect(result.ok).toBe(true);
        const loaded = await store.load();
        expect(loaded?.revision).toBe(result.ok ? result.revision : -1);
        expect(loaded?.data).toEqual(data);
      }),
  },
  {
    name: "a commit that names a stale revision is refused and changes nothing",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const first = await store.commit(null, sampleCatalog(1));
        if (!first.ok) throw new Error("first commit refused");
        const second = await store.commit(first.revision, sampleCatalog(2));
        expect(second.ok).toBe(true);
        expect(await store.commit(first.revision, sampleCatalog(5))).toEqual({ ok: false, conflict: true });
        expect(await store.commit(null, sampleCatalog(5))).toEqual({ ok: false, conflict: true });
        const loaded = await store.load();
        expect(Object.keys(loaded?.data.modules ?? {})).toHaveLength(2);
        expect(loaded?.revision).toBe(second.ok ? second.revision : -1);
      }),
  },
  {
    name: "revisions increase with every commit",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        let revision: number | null = null;
        const seen: number[] = [];
        for (let i = 1; i <= 4; i++) {
          const result = await store.commit(revision, sampleCatalog(i));
          if (!result.ok) throw new Error(`commit ${i} refused`);
          seen.push(result.revision);
          revision = result.revision;
        }
        expect([...seen].sort((a, b) => a - b)).toEqual(seen);
        expect(new Set(seen).size).toBe(seen.length);
      }),
  },
  {
    name: "MRS-E2 MRS-E12 x- extensions and __proto__ keys round-trip as data and change no prototype",
    run: (f) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const payload = trickyPayload();
        const data: CatalogData = {
          ...sampleCatalog(0),
          modules: { tricky: { payload, source: "testkit", acceptedAt: "2026-01-01T00:00:00.000Z", decisionId: "d" } },
        };
        await store.commit(null, data);
        const loaded = await store.load();
        expect(loaded?.data.modules.tricky?.payload).toEqual(payload);
        const schema = loaded?.data.modules.tricky?.payload.capabilities[0]?.input_schema as unknown as {
          properties: Record<string, unknown>;
        };
        expect(Object.hasOwn(schema.properties, "__proto__")).toBe(true);
        expect(Object.getPrototypeOf(schema.properties)).toBe(Object.prototype);
        expect(({} as Record<string, unknown>).type).toBeUndefined();
      }),
  },
  {
    name: "a large catalog round-trips",
    run: (f, o) =>
      withStores(f, async ([s]) => {
        const store = s as RegistryStore;
        const data = sampleCatalog(o.largeCatalog);
        await store.commit(null, data);
        const loaded = await store.load();
        expect(Object.keys(loaded?.data.modules ?? {})).toHaveLength(o.largeCatalog);
        expect(loaded?.data).toEqual(data);
      }),
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
