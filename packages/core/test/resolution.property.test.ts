import fc from "fast-check";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { createRegistry } from "../src/index.js";
import { payload, scratchStore } from "./support.js";

/** Versions with pre-releases and build metadata, the cases where precedence is subtle (S6). */
const version = fc
  .tuple(
    fc.nat({ max: 3 }),
    fc.nat({ max: 3 }),
    fc.nat({ max: 12 }),
    fc.option(fc.constantFrom("alpha", "alpha.1", "beta", "rc.1", "rc.10", "rc.2"), { nil: undefined }),
  )
  .map(([major, minor, patch, pre]) => `${major}.${minor}.${patch}${pre ? `-${pre}` : ""}`);

const registrations = fc.array(fc.record({ name: fc.constantFrom("alpha", "beta", "gamma"), version }), {
  minLength: 1,
  maxLength: 12,
});

async function finalVersions(order: readonly { name: string; version: string }[]) {
  const registry = createRegistry({ store: scratchStore() });
  await registry.start();
  for (const r of order) await registry.register({ payload: payload(r.name, r.version) }, "property");
  return Object.fromEntries(
    registry
      .modules()
      .map((m) => [m.payload.registration_metadata.module_name, m.payload.registration_metadata.module_version]),
  );
}

describe("version resolution, as a property", () => {
  it("MRS-S7 any order of the same registrations ends with the same versions: the highest precedence of each name", async () => {
    await fc.assert(
      fc.asyncProperty(
        registrations.chain((set) => fc.tuple(fc.constant(set), fc.shuffledSubarray(set, { minLength: set.length }))),
        async ([set, shuffled]) => {
          const expected: Record<string, string> = {};
          for (const r of set) {
            const held = expected[r.name];
            if (held === undefined || semver.gt(r.version, held)) expected[r.name] = r.version;
          }
          expect(await finalVersions(set)).toEqual(expected);
          expect(await finalVersions(shuffled)).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
