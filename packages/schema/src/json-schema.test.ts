import { readFileSync } from "node:fs";
import { Compile } from "typebox/compile";
import { describe, expect, it } from "vitest";
import { createAjv } from "./__fixtures__/ajv.js";
import { duplicateActions, invalidCases, validCases } from "./__fixtures__/envelope-cases.js";
import { RegistrationPayload } from "./envelope.js";
import { JSON_SCHEMA_DIALECT, REGISTRATION_SCHEMA_ID, registrationJsonSchema } from "./json-schema.js";
import { MRS_SPEC_VERSION } from "./spec-version.js";

const SNAPSHOT = "./__snapshots__/registration.schema.snap.json";
/** The file the package ships, written by `build` (turbo runs it before `test`). */
const shippedFile = new URL("../dist/registration.schema.json", import.meta.url);
const shipped = JSON.parse(readFileSync(shippedFile, "utf8")) as Record<string, unknown>;

const ajvFor = (document: object) => createAjv().compile(document);

/** Every `$ref` in a JSON value, with the pointer it sits at. */
function refsOf(node: unknown, pointer = ""): { pointer: string; ref: string }[] {
  if (node === null || typeof node !== "object") return [];
  const own =
    typeof (node as { $ref?: unknown }).$ref === "string" ? [{ pointer, ref: (node as { $ref: string }).$ref }] : [];
  return [...own, ...Object.entries(node).flatMap(([key, value]) => refsOf(value, `${pointer}/${key}`))];
}

describe("registration.schema.json", () => {
  it("is generated from the TypeBox source and matches the committed snapshot", async () => {
    await expect(`${JSON.stringify(registrationJsonSchema, null, 2)}\n`).toMatchFileSnapshot(SNAPSHOT);
  });

  it("is shipped in dist exactly as snapshotted", () => {
    const snapshot = readFileSync(new URL(SNAPSHOT, import.meta.url), "utf8");
    expect(readFileSync(shippedFile, "utf8")).toBe(snapshot);
  });

  it("has a stable $id, the 2020-12 dialect, a title and the MRS spec version", () => {
    expect(shipped.$id).toBe("https://rune.dev/schemas/mrs/v1/registration.schema.json");
    expect(shipped.$id).toBe(REGISTRATION_SCHEMA_ID);
    expect(shipped.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(shipped.$schema).toBe(JSON_SCHEMA_DIALECT);
    expect(shipped.title).toEqual(expect.any(String));
    expect(shipped["x-mrs-spec-version"]).toBe("1.0");
    expect(MRS_SPEC_VERSION).toBe("1.0");
  });

  it("is a valid JSON Schema 2020-12 document", () => {
    const ajv = createAjv();
    expect(ajv.validateSchema(shipped), JSON.stringify(ajv.errors)).toBe(true);
  });

  it("is self-contained: every $ref is local and resolves inside the file", () => {
    const refs = refsOf(shipped);
    expect(refs.length).toBeGreaterThan(0);
    for (const { pointer, ref } of refs) {
      expect(ref.startsWith("#/"), `${pointer}: ${ref}`).toBe(true);
      const target = ref
        .slice(2)
        .split("/")
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], shipped);
      expect(target, `${pointer}: ${ref}`).toEqual(expect.any(Object));
    }
  });

  it("MRS-E2 every object of the envelope is closed except for x- members", () => {
    const defs = shipped.$defs as Record<string, Record<string, unknown>>;
    for (const object of [shipped, defs.RegistrationMetadata, defs.Capability]) {
      expect(object?.additionalProperties).toBe(false);
      expect(object?.patternProperties).toEqual({ "^x-": {} });
    }
  });

  it("MRS-E5 asks for format date-time on registered_at", () => {
    const metadata = (shipped.$defs as Record<string, { properties: Record<string, unknown> }>).RegistrationMetadata;
    expect(metadata?.properties.registered_at).toMatchObject({ type: "string", format: "date-time" });
  });

  it("is the same value as the exported registrationJsonSchema, which is frozen", () => {
    expect(registrationJsonSchema).toEqual(shipped);
    expect(Object.isFrozen(registrationJsonSchema)).toBe(true);
    expect(Object.isFrozen(registrationJsonSchema.$defs)).toBe(true);
  });
});

describe("the JSON Schema file and the TypeBox definition agree (Ajv 2020 vs TypeBox Compile)", () => {
  const ajv = ajvFor(shipped);
  const typebox = Compile(RegistrationPayload);

  for (const { rule, name, payload } of validCases) {
    it(`MRS-${rule} both ${name}`, () => {
      expect(ajv(payload), JSON.stringify(ajv.errors)).toBe(true);
      expect(typebox.Check(payload)).toBe(true);
    });
  }

  for (const { rule, name, payload, pointer } of invalidCases) {
    it(`MRS-${rule} both ${name}`, () => {
      expect(ajv(payload)).toBe(false);
      for (const error of ajv.errors ?? [])
        expect(error.instancePath.startsWith(pointer), error.instancePath).toBe(true);
      expect(typebox.Check(payload)).toBe(false);
    });
  }

  it("MRS-E7 both leave duplicate action names to @rune/mrs-core", () => {
    expect(ajv(duplicateActions)).toBe(true);
    expect(typebox.Check(duplicateActions)).toBe(true);
  });

  it("the exported registrationJsonSchema compiles in Ajv as well as the file", () => {
    const fromExport = ajvFor(registrationJsonSchema);
    for (const { payload } of validCases) expect(fromExport(payload)).toBe(true);
    for (const { payload } of invalidCases) expect(fromExport(payload)).toBe(false);
  });
});
