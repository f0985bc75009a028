import { Compile } from "typebox/compile";
import { describe, expect, it } from "vitest";
import { duplicateActions, invalidCases, specExample, validCases } from "./__fixtures__/envelope-cases.js";
import { Capability, Name, RegistrationMetadata, RegistrationPayload } from "./envelope.js";

const envelope = Compile(RegistrationPayload);

describe("RegistrationPayload (TypeBox)", () => {
  for (const { rule, name, payload } of validCases) {
    it(`MRS-${rule} ${name}`, () => {
      expect(envelope.Errors(payload)).toEqual([]);
      expect(envelope.Check(payload)).toBe(true);
    });
  }

  for (const { rule, name, payload, pointer } of invalidCases) {
    it(`MRS-${rule} ${name}`, () => {
      expect(envelope.Check(payload)).toBe(false);
      const errors = envelope.Errors(payload);
      expect(errors.length).toBeGreaterThan(0);
      // The fault, and only the fault: every error lies at or under its pointer.
      for (const error of errors) expect(error.instancePath.startsWith(pointer), error.instancePath).toBe(true);
    });
  }

  it("MRS-E7 leaves duplicate action names to @rune/mrs-core (JSON Schema cannot express them)", () => {
    expect(envelope.Check(duplicateActions)).toBe(true);
  });
});

describe("the parts of the envelope", () => {
  it("MRS-E3 Name accepts the spec's module name and rejects its uppercase form", () => {
    const name = Compile(Name);
    expect(name.Check(specExample.registration_metadata.module_name)).toBe(true);
    expect(name.Check("RESTART-NOMAD")).toBe(false);
  });

  it("MRS-E2 RegistrationMetadata alone rejects an unknown member and keeps x- extensions", () => {
    const metadata = Compile(RegistrationMetadata);
    expect(metadata.Check({ ...specExample.registration_metadata, "x-region": "eu" })).toBe(true);
    expect(metadata.Check({ ...specExample.registration_metadata, region: "eu" })).toBe(false);
  });

  it("MRS-E9 Capability alone requires object schemas for input and output", () => {
    const capability = Compile(Capability);
    const [first] = specExample.capabilities;
    expect(capability.Check(first)).toBe(true);
    expect(capability.Check({ ...first, input_schema: { type: "string" } })).toBe(false);
  });
});
