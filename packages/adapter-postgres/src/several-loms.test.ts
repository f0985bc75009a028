import {
  type Change,
  createRegistry,
  type RegisterResult,
  type Registry,
  type RegistryEvent,
  type RegistryStore,
} from "@rune/mrs-core";
import { sampleChanges, samplePayload } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { cleanUp, freshSchema, storeOn } from "../test/support.js";

afterAll(cleanUp);

/** Versions in ascending SemVer precedence (RULES.md S6): pre-releases below their release, 1.10.0 above 1.2.0. */
const VERSIONS = ["0.9.0", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1", "2.0.0"];
const NAMES = 25;
const VERSIONS_EACH = 4;

/** A small seeded generator (mulberry32): the same orders on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

interface Registration {
  readonly name: string;
  readonly version: string;
  /** Its place in {@link VERSIONS}: higher is higher precedence. */
  readonly rank: number;
}

/** 100 registrations: 25 module names, each in 4 of the 8 versions, chosen by seed. */
function registrations(): Registration[] {
  const out: Registration[] = [];
  for (let i = 0; i < NAMES; i++) {
    const ranks = shuffled([...VERSIONS.keys()], 1000 + i).slice(0, VERSIONS_EACH);
    for (const rank of ranks) out.push({ name: `mod-${i}`, version: VERSIONS[rank] as string, rank });
  }
  return out;
}

/** What RULES.md S3-S7 prescribe whatever the order: the highest version of each name. */
function expectedCatalog(all: readonly Registration[]): Record<string, string> {
  const best = new Map<string, Registration>();
  for (const r of all) if ((best.get(r.name)?.rank ?? -1) < r.rank) best.set(r.name, r);
  return Object.fromEntries([...best].map(([name, r]) => [name, r.version]).sort());
}

function catalogOf(registry: Registry): Record<string, string> {
  return Object.fromEntries(
    registry
      .modules()
      .map((m) => [m.payload.registration_metadata.module_name, m.payload.registration_metadata.module_version])
      .sort(),
  );
}

/**
 * Registers every one, as clients would: all at once, and again after a `STORE_UNAVAILABLE`
 * (HTTP 503), which tells a client that nothing was recorded. The core's registry gives up
 * after 50 compare-and-set conflicts in a row, and a LOM whose queue is long can win that many
 * in a row against another (it needs no re-read between its own commits): such a registration
 * fails with "the store stayed busy", and is retried here. Any other failure fails the test.
 */
async function registerAll(
  lom: Registry,
  order: readonly Registration[],
  source: string,
): Promise<{ results: RegisterResult[]; busy: number }> {
  const results: RegisterResult[] = [];
  let pending = [...order];
  let busy = 0;
  for (let round = 1; pending.length > 0; round++) {
    if (round > 5) throw new Error(`${pending.length} registrations still failing after 4 retries`);
    const answers = await Promise.all(
      pending.map((r) => lom.register({ payload: samplePayload(r.name, r.version, [r.name, "status"]) }, source)),
    );
    const again: Registration[] = [];
    answers.forEach((answer, i) => {
      const error = answer.ok ? undefined : answer.errors[0];
      if (error?.code === "STORE_UNAVAILABLE") {
        expect(error.message).toContain("the store stayed busy");
        expect(answer.decision).toBeNull();
        busy += 1;
        again.push(pending[i] as Registration);
      } else {
        results.push(answer);
      }
    });
    pending = again;
  }
  return { results, busy };
}

/** Counts the compare-and-set conflicts a store answers, to report how hard the LOMs raced. */
function counting(store: RegistryStore): RegistryStore & { conflicts: number } {
  const counted = {
    ...store,
    conflicts: 0,
    commit: async (expected: number, changes: Parameters<RegistryStore["commit"]>[1]) => {
      const result = await store.commit(expected, changes);
      if (!result.ok) counted.conflicts += 1;
      return result;
    },
  };
  return counted;
}

describe("two LOMs on one PostgreSQL schema (MRS-S3 MRS-S4 MRS-S5 MRS-S7)", () => {
  it("receiving the same 100 registrations in different orders at once, end with identical catalogs and one success per version", async () => {
    const schema = freshSchema();
    const all = registrations();
    expect(all).toHaveLength(NAMES * VERSIONS_EACH);
    const stores = [counting(storeOn({ schema })), counting(storeOn({ schema }))];
    const loms = stores.map((store) => createRegistry({ store }));
    const [lomA, lomB] = loms as [Registry, Registry];
    const openedA = await lomA.start();
    const openedB = await lomB.start();
    expect(openedB.resumed).toBe(true);
    expect(openedB.session.id).toBe(openedA.session.id);

    // Each LOM gets all 100, in its own order, all at once (as concurrent HTTP requests would).
    const orders = [shuffled(all, 1), shuffled(all, 2).reverse()];
    const runs = await Promise.all(loms.map((lom, i) => registerAll(lom, orders[i] as Registration[], `lom-${i}`)));
    const every: RegisterResult[] = runs.flatMap((run) => run.results);
    expect(every).toHaveLength(200);

    // Only S4 and S5 rejections in the end: nothing was lost to the race.
    const codes = new Set(every.flatMap((r) => (r.ok ? [] : r.errors.map((e) => e.code))));
    expect([...codes].sort()).toEqual(["DUPLICATE_REGISTRATION", "VERSION_SUPERSEDED"]);

    // Identical catalogs in both LOMs and in a third reader, equal to what the rules prescribe.
    await lomA.reload();
    await lomB.reload();
    const reader = createRegistry({ store: storeOn({ schema }) });
    await reader.start();
    const expected = expectedCatalog(all);
    expect(catalogOf(lomA)).toEqual(expected);
    expect(catalogOf(lomB)).toEqual(expected);
    expect(catalogOf(reader)).toEqual(expected);
    expect(reader.session().id).toBe(openedA.session.id);

    // Exactly one `accepted` per name, at most one success per (name, version) across both LOMs,
    // and exactly one for the version that won.
    const successes = every.filter((r) => r.ok);
    for (const name of Object.keys(expected)) {
      expect(successes.filter((r) => r.module === name && r.outcome === "accepted")).toHaveLength(1);
      expect(successes.filter((r) => r.module === name && r.version === expected[name])).toHaveLength(1);
    }
    const perVersion = new Map<string, number>();
    for (const r of successes)
      perVersion.set(`${r.module}@${r.version}`, (perVersion.get(`${r.module}@${r.version}`) ?? 0) + 1);
    expect(Math.max(...perVersion.values())).toBe(1);

    // The store's record (S9) holds every decision of both LOMs once, and in it each name's
    // successes climb strictly (S3: an upgrade only ever replaces a lower version).
    const log = reader.decisions();
    const ids = every.map((r) => r.decision?.id);
    expect(new Set(log.map((d) => d.id))).toEqual(new Set(ids));
    expect(log).toHaveLength(200);
    for (const name of Object.keys(expected)) {
      const climbed = log
        .filter((d) => d.module === name && d.outcome !== "rejected")
        .map((d) => VERSIONS.indexOf(d.version as string));
      expect(climbed).toEqual([...climbed].sort((a, b) => a - b));
      expect(new Set(climbed).size).toBe(climbed.length);
    }
    // A rejected second try of the version that is held is an identical duplicate (S5).
    for (const r of every) {
      if (!r.ok && r.errors[0]?.code === "DUPLICATE_REGISTRATION") expect(r.errors[0].identical).toBe(true);
    }
    console.info(
      `two LOMs: ${every.length} registrations, ${successes.length} successes, compare-and-set conflicts ${stores.map((s) => s.conflicts).join(" + ")}, retried after "stayed busy" ${runs.map((r) => r.busy).join(" + ")}`,
    );
    await Promise.all([lomA.close(), lomB.close(), reader.close()]);
  });
});

/** Resolves when `registry` emits the decision on `module`; fails after 10 s (a bound against hanging). */
function decided(registry: Registry, module: string): Promise<RegistryEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no decision on ${module} followed within 10 s`)), 10_000);
    const stop = registry.subscribe((event) => {
      if (event.type !== "decision" || event.decision.module !== module) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

/** The bytes of a change's body as the store keeps it (its one member besides `type`). */
function bodyBytes(change: Change): number {
  const { type: _, ...rest } = change;
  return Buffer.byteLength(JSON.stringify(Object.values(rest)[0]));
}

describe("another LOM follows by reading only what changed (MRS-R1)", () => {
  it("MRS-R1 the other LOM follows one new registration by reading only that change: a decision and a module put, not the catalog", async () => {
    const schema = freshSchema();
    const writerStore = storeOn({ schema, watch: false });
    const followerStore = storeOn({ schema });
    // A catalog of 1,000 modules and their decisions, held by both LOMs.
    await writerStore.commit(0, sampleChanges(1_000));
    const writer = createRegistry({ store: writerStore });
    const follower = createRegistry({ store: followerStore });
    await writer.start();
    await follower.start();
    const atStart = followerStore.reads;
    expect(atStart).toMatchObject({ loads: 1, moduleRows: 1_000, decisionRows: 1_000 });

    const followed = decided(follower, "one-more");
    const result = await writer.register({ payload: samplePayload("one-more") }, "writer");
    expect(result.ok).toBe(true);
    await followed;
    const after = followerStore.reads;

    expect(follower.module("one-more")).toBeDefined();
    expect(follower.revision).toBe(writer.revision);
    const page = await writerStore.changesSince(writer.revision - 2);
    if (!page.ok) throw new Error("compacted");
    expect(page.changes.map((c) => c.type)).toEqual(["decision.recorded", "module.put"]);
    const read = {
      loads: after.loads - atStart.loads,
      changeRows: after.changeRows - atStart.changeRows,
      moduleRows: after.moduleRows - atStart.moduleRows,
      decisionRows: after.decisionRows - atStart.decisionRows,
      jsonBytes: after.jsonBytes - atStart.jsonBytes,
    };
    expect(read).toEqual({
      loads: 0,
      changeRows: 2,
      moduleRows: 0,
      decisionRows: 0,
      jsonBytes: page.changes.map(bodyBytes).reduce((a, b) => a + b),
    });
    console.info(
      `following one registration: ${read.changeRows} change rows, ${read.jsonBytes} bytes of JSON read, in ${after.changePages - atStart.changePages} changesSince call(s); loading the catalog of ${atStart.moduleRows} modules read ${atStart.jsonBytes} bytes`,
    );
    await Promise.all([writer.close(), follower.close()]);
  });
});
