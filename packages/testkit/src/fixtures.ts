import { applyChanges, type CatalogData, type Change, type Decision, type ModuleRecord } from "@rune/mrs-core";
import type { RegistrationPayload } from "@rune/mrs-schema";

/** A valid registration payload with one capability per action (default: one named like the module). */
export function samplePayload(
  name: string,
  version = "1.0.0",
  actions: readonly string[] = [name],
): RegistrationPayload {
  return {
    registration_metadata: { module_name: name, module_version: version, registered_at: "2025-12-01T00:00:00Z" },
    capabilities: actions.map((action) => ({
      action,
      description: `Runs ${action}`,
      input_schema: { type: "object", properties: { target: { type: "string" } }, required: ["target"] },
      output_schema: { type: "object", properties: { result: { type: "string" } }, required: ["result"] },
    })),
  };
}

/**
 * The changes that open session `sessionId` and accept `count` modules (`module-0`, ...), each
 * with its decision: what a registry commits for a first start with `count` manifests.
 */
export function sampleChanges(count: number, sessionId = "session-1", from = 0): Change[] {
  const at = "2026-01-01T00:00:00.000Z";
  const changes: Change[] = from === 0 ? [{ type: "session.opened", session: { id: sessionId, startedAt: at } }] : [];
  for (let i = from; i < from + count; i++) {
    const name = `module-${i}`;
    const decisionId = `decision-${i}`;
    const version = `1.${i}.0`;
    const decision: Decision = {
      id: decisionId,
      sessionId,
      at,
      source: "testkit",
      outcome: "accepted",
      module: name,
      version,
      errors: [],
      warnings: [],
    };
    const record: ModuleRecord = {
      payload: samplePayload(name, version),
      source: "testkit",
      acceptedAt: at,
      decisionId,
    };
    changes.push({ type: "decision.recorded", decision }, { type: "module.put", record });
  }
  return changes;
}

/** The state that {@link sampleChanges} adds up to: `count` modules and their decisions. */
export function sampleCatalog(count: number, sessionId = "session-1"): CatalogData {
  return applyChanges(null, sampleChanges(count, sessionId));
}

/**
 * A payload whose data holds the keys that E2 and E12 care about: an `x-` extension at every
 * level and `__proto__` / `constructor` as plain property names inside a schema.
 */
export function trickyPayload(): RegistrationPayload {
  const payload = samplePayload("tricky", "1.0.0");
  const inputSchema = JSON.parse(
    '{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"number"}},"x-ui":{"order":1}}',
  );
  return JSON.parse(
    JSON.stringify({
      ...payload,
      "x-vendor": { team: "sre" },
      registration_metadata: { ...payload.registration_metadata, "x-build": "abc" },
      capabilities: [{ ...payload.capabilities[0], input_schema: inputSchema, "x-cost": 3 }],
    }),
  );
}
