// Test support for the core's own tests: the core may not import an adapter (dependencies
// point one way), so its tests use this minimal log of changes.
import {
  applyChanges,
  type CatalogData,
  type Change,
  type ChangesPage,
  type CommitResult,
  type RegistryStore,
  type RevisionedChange,
} from "../src/index.js";

/** A store for one test: a log of changes in memory (the name says it is not the testkit's `testStore`, which runs the conformance suite). */
export function scratchStore(): RegistryStore & { fail: boolean; commits: number } {
  const log: RevisionedChange[] = [];
  return {
    name: "test",
    fail: false,
    commits: 0,
    async load() {
      if (this.fail) throw new Error("disk on fire");
      if (log.length === 0) return null;
      const data: CatalogData = applyChanges(null, structuredClone(log));
      return { revision: log.length, data };
    },
    async commit(expected: number, changes: readonly Change[]): Promise<CommitResult> {
      if (this.fail) throw new Error("disk on fire");
      if (log.length !== expected) return { ok: false, conflict: true };
      this.commits += 1;
      for (const change of structuredClone(changes)) log.push({ ...change, revision: log.length + 1 });
      return { ok: true, revision: log.length };
    },
    async changesSince(since: number, limit = Number.POSITIVE_INFINITY): Promise<ChangesPage> {
      if (this.fail) throw new Error("disk on fire");
      return { ok: true, changes: structuredClone(log.slice(since, since + limit)), revision: log.length };
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
