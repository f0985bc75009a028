/**
 * The envelope's test payloads, shared by the TypeBox tests (envelope.test.ts) and the JSON Schema
 * file tests (json-schema.test.ts), so that both definitions are held to the same table.
 * Each invalid case breaks exactly one rule of RULES.md and names the JSON Pointer of the fault.
 */

/** The payload of MRS.md "Registration Payload", verbatim. */
export const specExample = {
  registration_metadata: {
    module_name: "restart-nomad",
    module_version: "1.0.0",
    registered_at: "2025-12-01T00:00:00Z",
  },
  capabilities: [
    {
      action: "restart-nomad",
      description: "Restarts Nomad systemd unit",
      input_schema: {
        type: "object",
        properties: {},
        required: [],
      },
      output_schema: {
        type: "object",
        properties: {
          result: { type: "string" },
        },
        required: ["result"],
      },
    },
  ],
} as const;

type Json = Record<string, unknown>;
type Mutable = {
  registration_metadata: Json;
  capabilities: Json[];
  [member: string]: unknown;
};

/** The spec example with one change applied to a fresh copy. */
function changed(change: (payload: Mutable) => void): unknown {
  const payload = structuredClone(specExample) as unknown as Mutable;
  change(payload);
  return payload;
}

/** Sets one member of the metadata. */
const metadata = (member: string, value: unknown) =>
  changed((p) => {
    p.registration_metadata[member] = value;
  });
/** Sets one member of the first capability. */
const capability = (member: string, value: unknown) =>
  changed((p) => {
    (p.capabilities[0] as Json)[member] = value;
  });
/** Removes one member of the first capability. */
const withoutCapabilityMember = (member: string) =>
  changed((p) => {
    delete (p.capabilities[0] as Json)[member];
  });
/** `count` distinct, valid capabilities. */
const capabilitiesOf = (count: number) =>
  changed((p) => {
    p.capabilities = Array.from({ length: count }, (_, i) => ({
      ...(p.capabilities[0] as Json),
      action: `action-${i}`,
    }));
  });

export interface ValidCase {
  readonly rule: string;
  readonly name: string;
  readonly payload: unknown;
}

export interface InvalidCase extends ValidCase {
  /** JSON Pointer of the fault: every error a validator reports must lie at or under it. */
  readonly pointer: string;
}

/** Payloads every validator of the envelope must accept. */
export const validCases: readonly ValidCase[] = [
  { rule: "E1", name: "accepts the spec's restart-nomad example", payload: specExample },
  {
    rule: "E2",
    name: "accepts x- extensions at every level of the envelope",
    payload: changed((p) => {
      p["x-team"] = "sre";
      p.registration_metadata["x-build"] = { commit: "abc123" };
      (p.capabilities[0] as Json)["x-timeout-seconds"] = 30;
    }),
  },
  { rule: "E3", name: "accepts a name with digits and _", payload: metadata("module_name", "s3_log2-sink") },
  { rule: "E3", name: "accepts a one-letter name", payload: metadata("module_name", "a") },
  { rule: "E3", name: "accepts a 64-character name", payload: metadata("module_name", `a${"b".repeat(63)}`) },
  {
    rule: "E4",
    name: "accepts a pre-release with build metadata",
    payload: metadata("module_version", "2.0.0-rc.1+build.5"),
  },
  { rule: "E4", name: "accepts 0.0.0", payload: metadata("module_version", "0.0.0") },
  {
    rule: "E4",
    name: "accepts an alphanumeric pre-release with hyphens",
    payload: metadata("module_version", "1.2.3-alpha-1.0a.x-y"),
  },
  { rule: "E5", name: "accepts fractional seconds", payload: metadata("registered_at", "2025-12-01T00:00:00.123Z") },
  {
    rule: "E5",
    name: "accepts nanosecond precision",
    payload: metadata("registered_at", "2025-12-01T23:59:59.123456789Z"),
  },
  {
    rule: "E5",
    name: "accepts 29 February of a leap year",
    payload: metadata("registered_at", "2024-02-29T12:00:00Z"),
  },
  { rule: "E6", name: "accepts 256 capabilities", payload: capabilitiesOf(256) },
  { rule: "E7", name: "accepts an action with digits and _", payload: capability("action", "restart_nomad2") },
  { rule: "E8", name: "accepts a 4,096-character description", payload: capability("description", "d".repeat(4096)) },
  {
    rule: "E8",
    name: "counts description length in characters, not UTF-16 units (4,096 emoji)",
    payload: capability("description", "🚀".repeat(4096)),
  },
  {
    rule: "E9",
    name: "accepts capability schemas with any further keywords",
    payload: capability("input_schema", {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { when: { type: "string", format: "date-time" } },
      required: ["when"],
      additionalProperties: false,
    }),
  },
];

/** Payloads every validator of the envelope must reject, each for one rule. */
export const invalidCases: readonly InvalidCase[] = [
  { rule: "E1", name: "rejects an array", payload: [specExample], pointer: "" },
  { rule: "E1", name: "rejects null", payload: null, pointer: "" },
  { rule: "E1", name: "rejects a JSON string", payload: JSON.stringify(specExample), pointer: "" },
  {
    rule: "E1",
    name: "rejects a payload without capabilities",
    payload: changed((p) => {
      delete (p as Json).capabilities;
    }),
    pointer: "",
  },
  {
    rule: "E1",
    name: "rejects a payload without registration_metadata",
    payload: changed((p) => {
      delete (p as Json).registration_metadata;
    }),
    pointer: "",
  },
  {
    rule: "E2",
    name: "rejects a misspelled top-level member (capabilites)",
    payload: changed((p) => {
      p.capabilites = [];
    }),
    pointer: "",
  },
  {
    rule: "E2",
    name: "rejects an unknown member of registration_metadata",
    payload: metadata("module_author", "sre"),
    pointer: "/registration_metadata",
  },
  {
    rule: "E2",
    name: "rejects an unknown member of a capability",
    payload: capability("timeout", 30),
    pointer: "/capabilities/0",
  },
  {
    rule: "E2",
    name: "rejects X- (upper case) as an extension prefix",
    payload: changed((p) => {
      p["X-team"] = "sre";
    }),
    pointer: "",
  },
  {
    rule: "E3",
    name: "rejects an uppercase module name",
    payload: metadata("module_name", "Restart-Nomad"),
    pointer: "/registration_metadata/module_name",
  },
  {
    rule: "E3",
    name: "rejects a module name starting with a digit",
    payload: metadata("module_name", "3nomad"),
    pointer: "/registration_metadata/module_name",
  },
  {
    rule: "E3",
    name: "rejects a double separator",
    payload: metadata("module_name", "restart--nomad"),
    pointer: "/registration_metadata/module_name",
  },
  {
    rule: "E3",
    name: "rejects a trailing separator",
    payload: metadata("module_name", "restart-"),
    pointer: "/registration_metadata/module_name",
  },
  {
    rule: "E3",
    name: "rejects a 65-character module name",
    payload: metadata("module_name", `a${"b".repeat(64)}`),
    pointer: "/registration_metadata/module_name",
  },
  {
    rule: "E3",
    name: "rejects an empty module name",
    payload: metadata("module_name", ""),
    pointer: "/registration_metadata/module_name",
  },
  {
    rule: "E3",
    name: "rejects a module name with a space",
    payload: metadata("module_name", "restart nomad"),
    pointer: "/registration_metadata/module_name",
  },
  {
    rule: "E3",
    name: "rejects a module name that is not a string",
    payload: metadata("module_name", 7),
    pointer: "/registration_metadata/module_name",
  },
  {
    rule: "E4",
    name: "rejects a leading v",
    payload: metadata("module_version", "v1.0.0"),
    pointer: "/registration_metadata/module_version",
  },
  {
    rule: "E4",
    name: "rejects a two-part version",
    payload: metadata("module_version", "1.0"),
    pointer: "/registration_metadata/module_version",
  },
  {
    rule: "E4",
    name: "rejects a range",
    payload: metadata("module_version", "^1.0.0"),
    pointer: "/registration_metadata/module_version",
  },
  {
    rule: "E4",
    name: "rejects surrounding whitespace",
    payload: metadata("module_version", " 1.0.0 "),
    pointer: "/registration_metadata/module_version",
  },
  {
    rule: "E4",
    name: "rejects a leading zero",
    payload: metadata("module_version", "01.0.0"),
    pointer: "/registration_metadata/module_version",
  },
  {
    rule: "E4",
    name: "rejects a leading zero in a numeric pre-release",
    payload: metadata("module_version", "1.0.0-rc.01"),
    pointer: "/registration_metadata/module_version",
  },
  {
    rule: "E4",
    name: "rejects a version that is a number",
    payload: metadata("module_version", 1),
    pointer: "/registration_metadata/module_version",
  },
  {
    rule: "E5",
    name: "rejects an offset other than Z",
    payload: metadata("registered_at", "2025-12-01T01:00:00+01:00"),
    pointer: "/registration_metadata/registered_at",
  },
  {
    rule: "E5",
    name: "rejects a timestamp without a zone",
    payload: metadata("registered_at", "2025-12-01T00:00:00"),
    pointer: "/registration_metadata/registered_at",
  },
  {
    rule: "E5",
    name: "rejects 30 February (not a calendar instant)",
    payload: metadata("registered_at", "2025-02-30T00:00:00Z"),
    pointer: "/registration_metadata/registered_at",
  },
  {
    rule: "E5",
    name: "rejects 29 February of a common year",
    payload: metadata("registered_at", "2025-02-29T00:00:00Z"),
    pointer: "/registration_metadata/registered_at",
  },
  {
    rule: "E5",
    name: "rejects month 13",
    payload: metadata("registered_at", "2025-13-01T00:00:00Z"),
    pointer: "/registration_metadata/registered_at",
  },
  {
    rule: "E5",
    name: "rejects hour 24",
    payload: metadata("registered_at", "2025-12-01T24:00:00Z"),
    pointer: "/registration_metadata/registered_at",
  },
  {
    rule: "E5",
    name: "rejects a space instead of T",
    payload: metadata("registered_at", "2025-12-01 00:00:00Z"),
    pointer: "/registration_metadata/registered_at",
  },
  {
    rule: "E5",
    name: "rejects a lowercase z",
    payload: metadata("registered_at", "2025-12-01T00:00:00z"),
    pointer: "/registration_metadata/registered_at",
  },
  {
    rule: "E5",
    name: "rejects a Unix timestamp",
    payload: metadata("registered_at", 1764547200),
    pointer: "/registration_metadata/registered_at",
  },
  { rule: "E6", name: "rejects an empty capabilities array", payload: capabilitiesOf(0), pointer: "/capabilities" },
  { rule: "E6", name: "rejects 257 capabilities", payload: capabilitiesOf(257), pointer: "/capabilities" },
  {
    rule: "E6",
    name: "rejects capabilities given as an object",
    payload: changed((p) => {
      (p as Json).capabilities = {};
    }),
    pointer: "/capabilities",
  },
  {
    rule: "E7",
    name: "rejects an uppercase action name",
    payload: capability("action", "Restart-Nomad"),
    pointer: "/capabilities/0/action",
  },
  {
    rule: "E7",
    name: "rejects an action name with a dot",
    payload: capability("action", "nomad.restart"),
    pointer: "/capabilities/0/action",
  },
  {
    rule: "E7",
    name: "rejects a capability without an action",
    payload: withoutCapabilityMember("action"),
    pointer: "/capabilities/0",
  },
  {
    rule: "E8",
    name: "rejects an empty description",
    payload: capability("description", ""),
    pointer: "/capabilities/0/description",
  },
  {
    rule: "E8",
    name: "rejects a 4,097-character description",
    payload: capability("description", "d".repeat(4097)),
    pointer: "/capabilities/0/description",
  },
  {
    rule: "E8",
    name: "rejects a description that is not a string",
    payload: capability("description", ["Restarts", "Nomad"]),
    pointer: "/capabilities/0/description",
  },
  {
    rule: "E8",
    name: "rejects a capability without a description",
    payload: withoutCapabilityMember("description"),
    pointer: "/capabilities/0",
  },
  {
    rule: "E9",
    name: "rejects a boolean input_schema",
    payload: capability("input_schema", true),
    pointer: "/capabilities/0/input_schema",
  },
  {
    rule: "E9",
    name: "rejects an input_schema without a root type",
    payload: capability("input_schema", { properties: {} }),
    pointer: "/capabilities/0/input_schema",
  },
  {
    rule: "E9",
    name: "rejects an output_schema whose root is an array",
    payload: capability("output_schema", { type: "array", items: { type: "string" } }),
    pointer: "/capabilities/0/output_schema",
  },
  {
    rule: "E9",
    name: "rejects a capability without an output_schema",
    payload: withoutCapabilityMember("output_schema"),
    pointer: "/capabilities/0",
  },
];

/**
 * E7's uniqueness half: two capabilities with one action. JSON Schema cannot say "unique by
 * member", so the envelope accepts this; `validateRegistration` of `@rune/mrs-core` rejects it.
 */
export const duplicateActions = changed((p) => {
  p.capabilities = [p.capabilities[0] as Json, { ...(p.capabilities[0] as Json) }];
});
