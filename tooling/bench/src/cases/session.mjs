// Case 2: building a session from many registrations, against validating the same payloads
// alone (what a session adds: resolution, digests, recording, the store, the
// index); and resolving an action, against a bare Map.get.

import { memorySource, memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry, validateRegistration } from "@rune/mrs-core";
import { modulePayload, SCHEMA_SHAPES } from "../fixtures.mjs";
import { duration, interleave, rate } from "../harness.mjs";

const CAPABILITIES = 5;

/**
 * @param {{ rounds: number, fastRounds: number, ms: number, modules: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function sessionCase({ rounds, fastRounds, ms, modules, log }) {
  const entries = Array.from({ length: modules }, (_, i) => ({
    name: `bench-module-${i}`,
    payload: modulePayload(i, { capabilities: CAPABILITIES }),
  }));

  /** @type {import("@rune/mrs-core").Registry | undefined} */
  let last;
  const build = duration("session", async () => {
    await last?.close();
    const registry = createRegistry({ store: memoryStore(), sources: [memorySource(entries)] });
    const report = await registry.start();
    const accepted = report.decisions.filter((d) => d.outcome === "accepted").length;
    if (accepted !== modules) throw new Error(`session: ${accepted} of ${modules} accepted`);
    last = registry;
  });
  const validateAlone = duration("validation alone", () => {
    for (const { payload } of entries) {
      if (!validateRegistration(payload).ok) throw new Error("a generated payload does not validate");
    }
  });
  const [session, alone] = await interleave([build, validateAlone], { rounds });
  log("  session built");

  const registry = /** @type {import("@rune/mrs-core").Registry} */ (last);
  // The same addresses, to the same entries, in a bare Map: the least a catalog lookup can cost.
  const map = new Map(registry.capabilities().map((entry) => [entry.address, entry]));
  const pick = (/** @type {number} */ i) => {
    const module = (i * 7919) % modules; // spread over the catalog, not the first few entries
    return { module, action: `m${module}-a${i % CAPABILITIES}` };
  };
  const addresses = Array.from({ length: 4096 }, (_, i) => {
    const { module, action } = pick(i);
    return `bench-module-${module}/${action}`;
  });
  const bare = Array.from({ length: 4096 }, (_, i) => pick(i).action);
  for (let i = 0; i < 4096; i++) {
    const a = registry.resolveAction(/** @type {string} */ (addresses[i]));
    const b = registry.resolveAction(/** @type {string} */ (bare[i]));
    if (!a.ok || !b.ok || map.get(/** @type {string} */ (addresses[i]))?.address !== a.value.address) {
      throw new Error("resolveAction does not find a generated action");
    }
  }
  const [resolveAddress, resolveBare, mapGet] = await interleave(
    [
      rate("resolveAction(module/action)", (i) => registry.resolveAction(/** @type {string} */ (addresses[i & 4095])), {
        ms,
      }),
      rate("resolveAction(action)", (i) => registry.resolveAction(/** @type {string} */ (bare[i & 4095])), { ms }),
      rate("Map.get", (i) => map.get(/** @type {string} */ (addresses[i & 4095])), { ms }),
    ],
    { rounds: fastRounds },
  );
  await registry.close();
  log("  resolveAction done");

  const perOp = (/** @type {number[]} */ rates) => rates.map((r) => 1000 / r);
  return {
    id: "2",
    title: "Sessions and resolution",
    about: [
      `A session built by \`createRegistry({ store: memoryStore(), sources: [memorySource(...)] }).start()\``,
      `from ${modules.toLocaleString("en")} registrations of ${CAPABILITIES} capabilities each (generated, their`,
      `schemas drawn from ${SCHEMA_SHAPES} shapes so that the compiled-schema cache holds them), against`,
      "`validateRegistration` of the same payload values one after the other. `resolveAction` on 4,096",
      `addresses spread over the ${(modules * CAPABILITIES).toLocaleString("en")} capabilities, against \`Map.get\` of the same`,
      "addresses in a Map of the same entries.",
    ].join("\n"),
    rows: [
      {
        name: `session of ${modules.toLocaleString("en")} modules vs validating them alone`,
        subject: { label: "start()", unit: "ms", values: /** @type {number[]} */ (session) },
        baseline: { label: "validation", unit: "ms", values: /** @type {number[]} */ (alone) },
        target: { op: "<=", value: 1.5 },
      },
      {
        name: "resolveAction(module/action) vs Map.get",
        subject: { label: "resolveAction", unit: "ms", values: perOp(/** @type {number[]} */ (resolveAddress)) },
        baseline: { label: "Map.get", unit: "ms", values: perOp(/** @type {number[]} */ (mapGet)) },
        target: { op: "<=", value: 3 },
      },
      {
        name: "resolveAction(bare action) vs Map.get",
        subject: { label: "resolveAction", unit: "ms", values: perOp(/** @type {number[]} */ (resolveBare)) },
        baseline: { label: "Map.get", unit: "ms", values: perOp(/** @type {number[]} */ (mapGet)) },
        target: { op: "<=", value: 3 },
      },
    ],
  };
}
