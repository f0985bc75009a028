// What the cases measure on: the shipped examples, and generated modules of a realistic shape.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The four shipped examples; `restart-nomad` is byte for byte the payload of the spec (MRS.md). */
export const EXAMPLE_NAMES = ["restart-nomad", "s3-log-sink", "vault-secrets", "remediation-provider"];

/**
 * @returns {{ name: string, text: string, value: any }[]} each example's bytes (as text) and value
 */
export function examples() {
  return EXAMPLE_NAMES.map((name) => {
    const text = readFileSync(require.resolve(`@rune/mrs-schema/examples/${name}.json`), "utf8");
    return { name, text, value: JSON.parse(text) };
  });
}

/** The shipped JSON Schema file of the payload, `@rune/mrs-schema/registration.schema.json`. */
export function registrationJsonSchema() {
  return JSON.parse(readFileSync(require.resolve("@rune/mrs-schema/registration.schema.json"), "utf8"));
}

/**
 * How many distinct capability schemas the generated modules draw from. Below the engine's
 * cache of 1,000 compiled schemas, so that every start after the first finds them compiled;
 * 10,000 modules with 50,000 distinct schemas would measure compiling instead (case 3 does).
 */
export const SCHEMA_SHAPES = 250;

/**
 * An input schema of an ordinary action: typed members, an enum, bounds, a map, a format and a
 * pattern (so that the rules for each run). `k` makes the content distinct.
 *
 * @param {number} k
 */
export function inputSchema(k) {
  return {
    type: "object",
    additionalProperties: false,
    required: ["target"],
    properties: {
      target: { type: "string", minLength: 1, maxLength: 64 + k },
      mode: { type: "string", enum: ["fast", "safe", "dry-run"], default: "safe" },
      timeout_seconds: { type: "integer", minimum: 1, maximum: 3600 },
      labels: { type: "object", additionalProperties: { type: "string", maxLength: 256 } },
      request_id: { type: "string", format: "uuid" },
      host: { type: "string", pattern: "^[a-z0-9][a-z0-9.-]*$" },
    },
  };
}

/** @param {number} k */
export function outputSchema(k) {
  return {
    type: "object",
    required: ["result"],
    properties: {
      result: { type: "string", enum: ["ok", "failed", "skipped"] },
      started_at: { type: "string", format: "date-time" },
      detail: { type: "string", maxLength: 1000 + k },
    },
  };
}

/** A valid input for {@link inputSchema}. */
export const SAMPLE_INPUT = {
  target: "nomad.service",
  mode: "safe",
  timeout_seconds: 30,
  labels: { dc: "dc1", team: "ops" },
  request_id: "7d444840-9dc0-11d1-b245-5ffdce74fad2",
  host: "worker-3.internal",
};

/**
 * Module `i` of a generated catalog: `capabilities` capabilities whose schemas come from
 * {@link SCHEMA_SHAPES} shapes, and actions unique across modules (`m12-a3`), so that a bare
 * action resolves.
 *
 * @param {number} i
 * @param {{ capabilities?: number, version?: string, name?: string }} [options]
 */
export function modulePayload(i, { capabilities = 5, version = "1.0.0", name = `bench-module-${i}` } = {}) {
  return {
    registration_metadata: { module_name: name, module_version: version, registered_at: "2025-12-01T00:00:00Z" },
    capabilities: Array.from({ length: capabilities }, (_, j) => {
      const shape = (i * capabilities + j) % SCHEMA_SHAPES;
      return {
        action: `m${i}-a${j}`,
        description: `Action ${j} of module ${i}`,
        input_schema: inputSchema(shape),
        output_schema: outputSchema(shape),
      };
    }),
  };
}

/**
 * The changes a registry commits when it accepts `count` generated modules from module `from`
 * on (each a decision and a module put), after opening the session `bench` when `from` is 0.
 *
 * @param {number} count
 */
export function acceptedChanges(count, from = 0) {
  const at = "2026-01-01T00:00:00.000Z";
  /** @type {import("@rune/mrs-core").Change[]} */
  const changes = from === 0 ? [{ type: "session.opened", session: { id: "bench", startedAt: at } }] : [];
  for (let i = from; i < from + count; i++) {
    const payload = modulePayload(i);
    const decisionId = `d${i}`;
    const meta = payload.registration_metadata;
    changes.push(
      {
        type: "decision.recorded",
        decision: {
          id: decisionId,
          sessionId: "bench",
          at,
          source: "bench",
          outcome: "accepted",
          module: meta.module_name,
          version: meta.module_version,
          errors: [],
          warnings: [],
        },
      },
      { type: "module.put", record: { payload, source: "bench", acceptedAt: at, decisionId } },
    );
  }
  return changes;
}
