import type { CatalogData, Decision, ModuleRecord } from "@rune/mrs-core";
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

/** Catalog data with `count` modules, for round-trip and size checks. */
export function sampleCatalog(count: number, sessionId = "session-1"): CatalogData {
  const modules: Record<string, ModuleRecord> = {};
  const decisions: Decision[] = [];
  for (let i = 0; i < count; i++) {
    const name = `module-${i}`;
    const decisionId = `decision-${i}`;
    modules[name] = {
      payload: samplePayload(name, `1.${i}.0`),
      source: "testkit",
      acceptedAt: "2026-01-01T00:00:00.000Z",
      decisionId,
    };
    decisions.push({
      id: decisionId,
      sessionId,
      at: "2026-01-01T00:00:00.000Z",
      source: "testkit",
      outcome: "accepted",
      module: name,
      version: `1.${i}.0`,
      errors: [],
      warnings: [],
    });
  }
  return { session: { id: sessionId, startedAt: "2026-01-01T00:00:00.000Z" }, modules, superseded: [], decisions };
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
