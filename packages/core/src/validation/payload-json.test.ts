// The payload's JSON text written with the schemas' text that validation wrote must be exactly
// `JSON.stringify(payload)`: decisions keep its SHA-256 (`Decision.digest`), and a restart knows
// a payload already decided on by it (S10), across versions of this package too.
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { payloadJson, SchemaTexts } from "./payload-json.js";
import { validatePayload } from "./registration.js";

/** What the registry does: validate, keeping the schemas' text, then write the payload. */
function written(payload: unknown): string | undefined {
  const texts = new SchemaTexts();
  validatePayload(payload, { schemaTexts: texts });
  return payloadJson(payload, texts);
}

const examples = new URL("../../../schema/examples/", import.meta.url);
const shipped = readdirSync(examples).map((file) => readFileSync(new URL(file, examples), "utf8"));

describe("MRS-S10 the payload's JSON text for its digest", () => {
  it("MRS-S10 is JSON.stringify's text for every shipped example, with the schemas' text reused", () => {
    for (const text of shipped) {
      const payload = JSON.parse(text) as { capabilities: unknown[] };
      const texts = new SchemaTexts();
      validatePayload(payload, { schemaTexts: texts });
      expect(texts.empty).toBe(false);
      expect(payloadJson(payload, texts)).toBe(JSON.stringify(payload));
    }
  });

  it("MRS-S10 is JSON.stringify's text for generated payloads, valid or not", () => {
    const schema = fc.oneof(
      fc.constant({ type: "object" }),
      fc.record({
        type: fc.constant("object"),
        properties: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
      }),
      fc.jsonValue(),
    );
    const capability = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(
          { action: fc.string(), description: fc.string(), input_schema: schema, output_schema: schema },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: fc.jsonValue() },
    );
    const payload = fc.record(
      {
        registration_metadata: fc.record({
          module_name: fc.string(),
          module_version: fc.string(),
          registered_at: fc.string(),
        }),
        capabilities: fc.oneof(
          { weight: 4, arbitrary: fc.array(capability, { maxLength: 3 }) },
          { weight: 1, arbitrary: fc.jsonValue() },
        ),
        "x-extra": fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(payload, (value) => {
        expect(written(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it("MRS-S10 MRS-E12 is JSON.stringify's text where a member writes as nothing, calls toJSON or is no plain object", () => {
    const [first] = shipped;
    const make = () =>
      JSON.parse(first as string) as Record<string, unknown> & { capabilities: Record<string, unknown>[] };
    const variants: unknown[] = [];
    // Members that JSON.stringify leaves out, or writes as null in an array.
    let p = make();
    p["x-gone"] = undefined;
    p["x-fn"] = () => 1;
    (p.capabilities as unknown[]).push(undefined, () => 1);
    variants.push(p);
    // toJSON, which JSON.stringify calls with the member's key or index.
    p = make();
    p["x-keyed"] = { toJSON: (key: string) => `at ${key}` };
    variants.push(p);
    p = make();
    (p.capabilities as unknown[]).push({ toJSON: (key: string) => `at ${key}` });
    variants.push(p);
    p = make();
    (p.capabilities[0] as Record<string, unknown>).description = { toJSON: (key: string) => `at ${key}` };
    variants.push(p);
    p = make();
    (p.capabilities[0] as Record<string, unknown>).input_schema = {
      type: "object",
      toJSON: () => ({ type: "string" }),
    };
    variants.push(p);
    // Dates (toJSON by prototype), a class instance, an object with no prototype, __proto__ read as data.
    p = make();
    p["x-when"] = new Date(0);
    p.capabilities[0] = Object.assign(Object.create(null), p.capabilities[0]);
    variants.push(p);
    variants.push(JSON.parse((first as string).replace('"capabilities"', '"__proto__":{"a":1},"capabilities"')));
    class Box {
      readonly value = 1;
    }
    p = make();
    p.capabilities.push(new Box() as unknown as Record<string, unknown>);
    variants.push(p);
    // A hole in the capabilities, and capabilities that are not an array.
    p = make();
    const holey: unknown[] = new Array(3);
    holey[0] = p.capabilities[0];
    holey[2] = p.capabilities[0];
    p.capabilities = holey as Record<string, unknown>[];
    variants.push(p);
    variants.push({ ...make(), capabilities: "none" });
    for (const variant of variants) expect(written(variant)).toBe(JSON.stringify(variant));
    // What JSON.stringify cannot write: no text, no digest.
    expect(written({ ...make(), "x-big": 1n })).toBeUndefined();
    const cyclic = make();
    cyclic["x-self"] = cyclic;
    expect(written(cyclic)).toBeUndefined();
  });

  it("MRS-S10 reuses a text only for the schema it was written from, at its capability and role", () => {
    const payload = JSON.parse(shipped[0] as string) as { capabilities: { input_schema: unknown }[] };
    const texts = new SchemaTexts();
    validatePayload(payload, { schemaTexts: texts });
    const [first] = payload.capabilities;
    if (first === undefined) throw new Error("an example without capabilities");
    // Replaced after validation: the text written for the old schema must not stand for the new one.
    first.input_schema = { type: "object", title: "replaced" };
    expect(payloadJson(payload, texts)).toBe(JSON.stringify(payload));
    expect(texts.get(0, "input_schema", first.input_schema)).toBeUndefined();
    expect(texts.get(0, "output_schema", first.input_schema)).toBeUndefined();
  });
});
