import { readdirSync, readFileSync } from "node:fs";
import { Compile } from "typebox/compile";
import { describe, expect, it } from "vitest";
import { createAjv } from "./__fixtures__/ajv.js";
import { specExample } from "./__fixtures__/envelope-cases.js";
import { type Capability, RegistrationPayload } from "./envelope.js";
import { registrationJsonSchema } from "./json-schema.js";
import { capabilitySchemaIssues } from "./schema-portability.js";

const examplesDir = new URL("../examples/", import.meta.url);
const examples = Object.fromEntries(
  readdirSync(examplesDir)
    .filter((file) => file.endsWith(".json"))
    .map((file) => [file, JSON.parse(readFileSync(new URL(file, examplesDir), "utf8")) as RegistrationPayload]),
);
const realistic = ["s3-log-sink.json", "vault-secrets.json", "remediation-provider.json"];

/** The formats JSON Schema 2020-12 defines (Validation, section 7.3). */
const STANDARD_FORMATS = new Set([
  "date-time",
  "date",
  "time",
  "duration",
  "email",
  "idn-email",
  "hostname",
  "idn-hostname",
  "ipv4",
  "ipv6",
  "uri",
  "uri-reference",
  "iri",
  "iri-reference",
  "uuid",
  "uri-template",
  "json-pointer",
  "relative-json-pointer",
  "regex",
]);

/** Every value of one keyword anywhere in a schema. */
function valuesOf(keyword: string, node: unknown): unknown[] {
  if (node === null || typeof node !== "object") return [];
  const own = !Array.isArray(node) && keyword in node ? [(node as Record<string, unknown>)[keyword]] : [];
  return [...own, ...Object.values(node).flatMap((value) => valuesOf(keyword, value))];
}

const schemasOf = (payload: RegistrationPayload) =>
  payload.capabilities.flatMap((capability: Capability) => [
    { where: `${capability.action} input`, schema: capability.input_schema },
    { where: `${capability.action} output`, schema: capability.output_schema },
  ]);

describe("examples/", () => {
  it("holds the spec's example and three realistic modules", () => {
    expect(Object.keys(examples).sort()).toEqual([
      "remediation-provider.json",
      "restart-nomad.json",
      "s3-log-sink.json",
      "vault-secrets.json",
    ]);
  });

  it("MRS-E1 restart-nomad.json is exactly the spec's example", () => {
    expect(examples["restart-nomad.json"]).toStrictEqual(specExample);
  });

  const envelope = Compile(RegistrationPayload);
  const ajvEnvelope = createAjv().compile(registrationJsonSchema);
  // Union types (`["string", "null"]`) are valid JSON Schema; Ajv's strict mode only asks to allow them.
  const ajv = createAjv({ allowUnionTypes: true });

  for (const [file, payload] of Object.entries(examples)) {
    describe(file, () => {
      it("MRS-E1 passes the envelope (TypeBox Compile and Ajv on the JSON Schema file)", () => {
        expect(envelope.Errors(payload)).toEqual([]);
        expect(ajvEnvelope(payload), JSON.stringify(ajvEnvelope.errors)).toBe(true);
      });

      it("MRS-E5 registers with a UTC timestamp ending in Z", () => {
        expect(payload.registration_metadata.registered_at).toMatch(/Z$/);
      });

      it("MRS-E7 declares each action once", () => {
        const actions = payload.capabilities.map((capability) => capability.action);
        expect(new Set(actions).size).toBe(actions.length);
      });

      it("MRS-E9 MRS-E10 has capability schemas valid against JSON Schema 2020-12, with local refs only", () => {
        for (const { where, schema } of schemasOf(payload)) {
          expect(ajv.validateSchema(schema), `${where}: ${JSON.stringify(ajv.errors)}`).toBe(true);
          expect(capabilitySchemaIssues(schema, "", where)).toEqual([]);
        }
      });

      it("MRS-I2 uses only formats that JSON Schema 2020-12 defines", () => {
        for (const format of schemasOf(payload).flatMap(({ schema }) => valuesOf("format", schema))) {
          expect(STANDARD_FORMATS.has(format as string), String(format)).toBe(true);
        }
      });

      it("MRS-I1 the examples inside each capability schema are valid against it, formats asserted", () => {
        for (const { where, schema } of schemasOf(payload)) {
          const validate = ajv.compile(schema);
          for (const example of (schema.examples as unknown[] | undefined) ?? []) {
            expect(validate(example), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
          }
        }
      });
    });
  }

  for (const file of realistic) {
    it(`${file} is non-trivial: required members, formats, enums, nested objects, worked examples`, () => {
      const payload = examples[file] as RegistrationPayload;
      const schemas = schemasOf(payload).map(({ schema }) => schema);
      expect(payload.capabilities.length).toBeGreaterThan(1);
      expect(schemas.flatMap((schema) => valuesOf("required", schema)).flat().length).toBeGreaterThan(5);
      expect(new Set(schemas.flatMap((schema) => valuesOf("format", schema))).size).toBeGreaterThan(1);
      expect(schemas.flatMap((schema) => valuesOf("enum", schema)).length).toBeGreaterThan(0);
      const nested = schemas.some((schema) =>
        Object.values((schema.properties as Record<string, { type?: unknown }> | undefined) ?? {}).some(
          (member) => member.type === "object" || member.type === "array",
        ),
      );
      expect(nested).toBe(true);
      for (const schema of schemas) expect(schema.examples).toEqual([expect.any(Object)]);
    });
  }

  it("a broken copy of an example fails, so the checks above can fail", () => {
    const broken = structuredClone(examples["vault-secrets.json"]) as RegistrationPayload;
    const rotate = broken.capabilities[1] as Capability;
    (rotate.output_schema.examples as Record<string, unknown>[])[0] = { new_version: 0, rotated_at: "yesterday" };
    const validate = ajv.compile(rotate.output_schema);
    expect(validate((rotate.output_schema.examples as unknown[])[0])).toBe(false);
  });
});
