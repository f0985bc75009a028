import { type RegistryStore, validateRegistration } from "@rune/mrs-core";
import { describe, expect, it } from "vitest";
import { faultyStore } from "./faults.js";
import { sampleCatalog, sampleChanges, samplePayload, trickyPayload } from "./fixtures.js";

describe("fixtures", () => {
  it("MRS-E1 samplePayload is a valid registration", () => {
    expect(validateRegistration(samplePayload("alpha", "1.2.3", ["a", "b"])).ok).toBe(true);
  });
  it("MRS-E2 MRS-E12 trickyPayload is valid and keeps __proto__ as an own key", () => {
    const payload = trickyPayload();
    expect(validateRegistration(payload).ok).toBe(true);
    const schema = payload.capabilities[0]?.input_schema as unknown as { properties: object };
    const properties = schema.properties;
    expect(Object.hasOwn(properties, "__proto__")).toBe(true);
  });
  it("sampleCatalog holds the asked number of modules and decisions", () => {
    const data = sampleCatalog(7);
    expect(Object.keys(data.modules)).toHaveLength(7);
    expect(data.decisions).toHaveLength(7);
  });
});

describe("faultyStore", () => {
  const stub = (): RegistryStore => ({
    name: "stub",
    load: async () => null,
    commit: async () => ({ ok: true, revision: 1 }),
    changesSince: async () => ({ ok: true, changes: [], revision: 0 }),
  });
  it("fails exactly the planned commit and passes the others through", async () => {
    const store = faultyStore(stub(), { failCommit: 2 });
    await expect(store.commit(0, sampleChanges(0))).resolves.toEqual({ ok: true, revision: 1 });
    await expect(store.commit(0, sampleChanges(0))).rejects.toThrow("injected fault");
    await expect(store.commit(0, sampleChanges(0))).resolves.toEqual({ ok: true, revision: 1 });
    expect(store.commits).toBe(3);
  });
  it("fails loads chosen by a predicate, with the planned error", async () => {
    const store = faultyStore(stub(), { failLoad: (n) => n % 2 === 0, error: () => new Error("EIO") });
    await expect(store.load()).resolves.toBeNull();
    await expect(store.load()).rejects.toThrow("EIO");
  });
});
