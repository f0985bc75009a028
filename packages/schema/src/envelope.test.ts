import { Compile } from "typebox/compile";
import { describe, expect, it } from "vitest";
import { RegistrationPayload } from "./envelope.js";

const restartNomad = {
  registration_metadata: {
    module_name: "restart-nomad",
    module_version: "1.0.0",
    registered_at: "2025-12-01T00:00:00Z",
  },
  capabilities: [
    {
      action: "restart-nomad",
      description: "Restarts Nomad systemd unit",
      input_schema: { type: "object", properties: {}, required: [] },
      output_schema: { type: "object", properties: { result: { type: "string" } }, required: ["result"] },
    },
  ],
};

describe("RegistrationPayload", () => {
  const check = Compile(RegistrationPayload);
  it("accepts the spec's restart-nomad example (MRS-E1)", () => {
    expect(check.Check(restartNomad)).toBe(true);
  });
  it("rejects a misspelled member (MRS-E2)", () => {
    const { capabilities, ...rest } = restartNomad;
    expect(check.Check({ ...rest, capabilites: capabilities })).toBe(false);
  });
});
