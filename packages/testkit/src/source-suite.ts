import { createRegistry, type RegistrationSource, type RegistryStore } from "@rune/mrs-core";
import { describe, expect, it } from "vitest";
import { samplePayload } from "./fixtures.js";

/** One registration a source under test must hold: a name (file name, URL path...) and raw JSON text. */
export interface SourceEntry {
  readonly name: string;
  readonly content: string;
}

/** How the suite gets sources of the adapter under test. */
export interface SourceFactory {
  /** A source holding exactly these entries (files in a fresh folder, URLs served on loopback...). */
  create(entries: readonly SourceEntry[]): RegistrationSource | Promise<RegistrationSource>;
  /** A store for the registry the suite builds on top (the memory store, usually). */
  store(): RegistryStore | Promise<RegistryStore>;
}

/** One check of the source contract. */
export interface SourceCheck {
  readonly name: string;
  run(factory: SourceFactory): Promise<void>;
}

const entry = (name: string, value: unknown): SourceEntry => ({ name, content: JSON.stringify(value) });

async function discoverWith(factory: SourceFactory, entries: readonly SourceEntry[]) {
  const source = await factory.create(entries);
  try {
    const registry = createRegistry({ store: await factory.store(), sources: [source] });
    const report = await registry.start();
    return { source, registry, report };
  } finally {
    await source.close?.();
  }
}

/** The source contract, check by check. */
export const sourceChecks: readonly SourceCheck[] = [
  {
    name: "an empty source discovers nothing",
    async run(factory) {
      const source = await factory.create([]);
      try {
        expect(await source.discover()).toEqual([]);
      } finally {
        await source.close?.();
      }
    },
  },
  {
    name: "every entry is discovered once, with an origin that names it",
    async run(factory) {
      const entries = [entry("alpha", samplePayload("alpha")), entry("beta", samplePayload("beta"))];
      const source = await factory.create(entries);
      try {
        const found = await source.discover();
        expect(found).toHaveLength(2);
        for (const name of ["alpha", "beta"]) {
          expect(found.filter((d) => d.origin.includes(name))).toHaveLength(1);
        }
      } finally {
        await source.close?.();
      }
    },
  },
  {
    name: "MRS-S2 discovered modules are accepted into the session",
    async run(factory) {
      const { registry } = await discoverWith(factory, [
        entry("alpha", samplePayload("alpha")),
        entry("beta", samplePayload("beta", "2.0.0")),
      ]);
      expect(registry.modules().map((m) => m.payload.registration_metadata.module_name)).toEqual(["alpha", "beta"]);
      expect(registry.decisions().every((d) => d.outcome === "accepted")).toBe(true);
    },
  },
  {
    name: "MRS-S9 a bad entry is a rejected decision naming it, and does not stop the others",
    async run(factory) {
      const bad = samplePayload("Bad-Name");
      const { registry, report } = await discoverWith(factory, [
        { name: "broken", content: '{"registration_metadata": ' },
        entry("invalid", bad),
        entry("good", samplePayload("good")),
      ]);
      expect(registry.modules().map((m) => m.payload.registration_metadata.module_name)).toEqual(["good"]);
      const rejected = report.decisions.filter((d) => d.outcome === "rejected");
      expect(rejected).toHaveLength(2);
      const broken = rejected.find((d) => d.source.includes("broken"));
      expect(broken?.errors.map((e) => e.code)).toContain("INVALID_JSON");
      const invalid = rejected.find((d) => d.source.includes("invalid"));
      expect(invalid?.errors.map((e) => e.code)).toContain("INVALID_MODULE_NAME");
    },
  },
  {
    name: "MRS-S3 two entries of one module: the higher version wins whatever the order",
    async run(factory) {
      const { registry } = await discoverWith(factory, [
        entry("old", samplePayload("dual", "1.0.0")),
        entry("new", samplePayload("dual", "1.1.0")),
      ]);
      expect(registry.module("dual")?.payload.registration_metadata.module_version).toBe("1.1.0");
    },
  },
];

/**
 * Runs the whole source contract against an adapter, in a `describe` block.
 *
 * @example
 * testSource("folder", { create: (entries) => folderSourceWith(entries), store: () => memoryStore() });
 */
export function testSource(name: string, factory: SourceFactory): void {
  describe(`RegistrationSource conformance: ${name}`, () => {
    for (const check of sourceChecks) {
      it(check.name, () => check.run(factory));
    }
  });
}
