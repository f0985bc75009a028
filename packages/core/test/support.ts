// Test support for the core's own tests: the core may not import an adapter (dependencies
// point one way), so its tests use this minimal compare-and-set store.
import type { CatalogData, CommitResult, RegistryStore, StoreSnapshot } from "../src/index.js";

export function testStore(): RegistryStore & { fail: boolean; commits: number } {
  let current: StoreSnapshot | null = null;
  return {
    name: "test",
    fail: false,
    commits: 0,
    async load() {
      if (this.fail) throw new Error("disk on fire");
      return current;
    },
    async commit(expected: number | null, data: CatalogData): Promise<CommitResult> {
      if (this.fail) throw new Error("disk on fire");
      if ((current?.revision ?? null) !== expected) return { ok: false, conflict: true };
      this.commits += 1;
      current = { revision: (current?.revision ?? 0) + 1, data: structuredClone(data) };
      return { ok: true, revision: current.revision };
    },
  };
}

export function payload(name: string, version: string, actions: string[] = [name]) {
  return {
    registration_metadata: { module_name: name, module_version: version, registered_at: "2025-12-01T00:00:00Z" },
    capabilities: actions.map((action) => ({
      action,
      description: `Does ${action}`,
      input_schema: { type: "object", properties: { msg: { type: "string" } }, required: ["msg"] },
      output_schema: { type: "object", properties: { result: { type: "string" } }, required: ["result"] },
    })),
  };
}

/** A clock that moves one second per call, so decisions have distinct, predictable times. */
export function steppingClock(start = Date.parse("2026-01-01T00:00:00Z")) {
  let t = start;
  return () => {
    t += 1000;
    return new Date(t);
  };
}
