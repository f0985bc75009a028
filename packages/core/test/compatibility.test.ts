// The compatibility policy at upgrade (RULES.md C1, C2): what the registry does with an upgrade
// that breaks callers without the version bump that declares it.
import { describe, expect, it } from "vitest";
import { type CompatibilityPolicy, createRegistry } from "../src/index.js";
import { payload, scratchStore } from "./support.js";

/** `echo` at `version`; `narrowed` adds a required input property (breaking for callers). */
function echo(version: string, narrowed = false) {
  const p = payload("echo", version);
  const capability = p.capabilities[0] as { input_schema: { properties: object; required: string[] } };
  if (narrowed) {
    capability.input_schema.properties = { ...capability.input_schema.properties, token: { type: "string" } };
    capability.input_schema.required = [...capability.input_schema.required, "token"];
  }
  return p;
}

async function upgrade(policy: CompatibilityPolicy | undefined, version: string, narrowed: boolean) {
  const registry = createRegistry({
    store: scratchStore(),
    ...(policy === undefined ? {} : { compatibility: policy }),
  });
  await registry.start();
  await registry.register({ payload: echo("1.0.0") }, "t");
  const result = await registry.register({ payload: echo(version, narrowed) }, "t");
  return { registry, result };
}

describe("MRS-C2 the compatibility policy on upgrades", () => {
  it("warn (the default): an undeclared breaking upgrade is accepted with a warning listing the differences", async () => {
    const { registry, result } = await upgrade(undefined, "1.1.0", true);
    expect(result).toMatchObject({ ok: true, outcome: "upgraded" });
    const warning = result.warnings.find((w) => w.code === "BREAKING_CHANGE_UNDECLARED");
    expect(warning).toMatchObject({ rule: "C2", pointer: "/registration_metadata/module_version" });
    expect(warning?.differences?.length).toBeGreaterThan(0);
    expect(warning?.differences?.every((d) => d.breaking !== false)).toBe(true);
    const decision = registry.decisions().at(-1);
    expect(decision?.compatibility).toMatchObject({ breaking: true, declared: false });
    expect(decision?.warnings.map((w) => w.code)).toContain("BREAKING_CHANGE_UNDECLARED");
  });

  it("strict: the same upgrade is rejected with BREAKING_CHANGE_UNDECLARED, and the old version stays", async () => {
    const { registry, result } = await upgrade("strict", "1.1.0", true);
    expect(result.ok ? [] : result.errors.map((e) => [e.code, e.rule])).toEqual([["BREAKING_CHANGE_UNDECLARED", "C2"]]);
    expect(result.ok ? undefined : result.errors[0]?.differences?.length).toBeGreaterThan(0);
    expect(registry.module("echo")?.payload.registration_metadata.module_version).toBe("1.0.0");
  });

  it("a major bump declares the breaking change: accepted under strict, no warning", async () => {
    const { registry, result } = await upgrade("strict", "2.0.0", true);
    expect(result).toMatchObject({ ok: true, outcome: "upgraded", warnings: [] });
    expect(registry.decisions().at(-1)?.compatibility).toMatchObject({ breaking: true, declared: true });
  });

  it("a compatible upgrade passes under strict with its comparison recorded", async () => {
    const { registry, result } = await upgrade("strict", "1.0.1", false);
    expect(result).toMatchObject({ ok: true, outcome: "upgraded", warnings: [] });
    expect(registry.decisions().at(-1)?.compatibility).toMatchObject({ breaking: false });
  });

  it("off: nothing is compared", async () => {
    const { registry, result } = await upgrade("off", "1.1.0", true);
    expect(result).toMatchObject({ ok: true, outcome: "upgraded", warnings: [] });
    expect(registry.decisions().at(-1)?.compatibility).toBeUndefined();
  });
});
