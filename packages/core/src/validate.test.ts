import { describe, expect, it } from "vitest";
import type { MrsError } from "./errors.js";
import {
  checkRegistration,
  compileSchema,
  MAX_PAYLOAD_BYTES,
  parseRegistration,
  validateRegistration,
} from "./validate.js";

/**
 * A hang guard, not a speed claim (speed lives in `pnpm bench`): catastrophic backtracking on
 * these inputs would take minutes to hours, so a bound this loose only separates "finishes"
 * from "hangs", even on a loaded 2-core CI machine.
 */
const HANG_GUARD_MS = 10_000;

// biome-ignore lint/suspicious/noExplicitAny: test payloads are edited freely, into invalid shapes too.
type Loose = any;

/** The spec's own example (MRS.md "Registration Payload"). */
function specPayload(): Record<string, Loose> {
  return {
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
}

function withMetadata(patch: Record<string, unknown>): Record<string, Loose> {
  const payload = specPayload();
  payload.registration_metadata = { ...payload.registration_metadata, ...patch };
  return payload;
}

function withCapability(patch: Record<string, unknown>): Record<string, Loose> {
  const payload = specPayload();
  payload.capabilities = [{ ...payload.capabilities[0], ...patch }];
  return payload;
}

function withInputSchema(schema: unknown): Record<string, Loose> {
  return withCapability({ input_schema: schema });
}

function errorsOf(payload: unknown): readonly MrsError[] {
  const result = validateRegistration(payload);
  return result.ok ? [] : result.errors;
}

function only(payload: unknown): MrsError {
  const errors = errorsOf(payload);
  expect(errors, JSON.stringify(errors, null, 2)).toHaveLength(1);
  return errors[0] as MrsError;
}

describe("validateRegistration", () => {
  it("accepts the spec's example payload, returning it with no errors or warnings", () => {
    const payload = specPayload();
    expect(validateRegistration(payload)).toEqual({ ok: true, value: payload, errors: [], warnings: [] });
  });

  describe("MRS-E1 one JSON object with the two members", () => {
    it.each([[[]], [null], ["text"], [42], [true]])("MRS-E1 rejects the root %j as INVALID_PAYLOAD", (root) => {
      expect(only(root)).toMatchObject({ code: "INVALID_PAYLOAD", rule: "E1", pointer: "" });
    });

    it("MRS-E1 rejects a payload without registration_metadata, pointing at the missing member", () => {
      const payload = specPayload();
      delete payload.registration_metadata;
      expect(only(payload)).toMatchObject({ code: "INVALID_PAYLOAD", pointer: "/registration_metadata" });
    });

    it("MRS-E1 rejects registration_metadata that is not an object", () => {
      expect(only({ ...specPayload(), registration_metadata: "x" })).toMatchObject({
        code: "INVALID_PAYLOAD",
        pointer: "/registration_metadata",
      });
    });

    it("MRS-E1 rejects bytes that are not JSON as INVALID_JSON, naming line, column and position", () => {
      const result = parseRegistration('{\n  "a": 1,\n}');
      expect(result.ok).toBe(false);
      expect(result.errors[0]).toMatchObject({ code: "INVALID_JSON", rule: "E1", pointer: "" });
      expect(result.errors[0]?.message).toMatch(/line 3, column 1 \(position 12\)/);
    });

    it.each([
      ["", /end of input/],
      ['{"a":}', /unexpected "}"/],
      ['{"a":"\u0001"}', /control character/],
      ['{"a":"\\q"}', /invalid escape/],
      ["[1,2", /end of input/],
      ["{} {}", /after the JSON value/],
      ["tru", /unexpected "t"/],
    ])("MRS-E1 explains where %j stops being JSON", (text, problem) => {
      const result = parseRegistration(text);
      expect(result.errors[0]?.code).toBe("INVALID_JSON");
      expect(result.errors[0]?.message).toMatch(problem);
    });

    it("MRS-E1 rejects bytes that are not UTF-8 as INVALID_JSON", () => {
      const result = parseRegistration(new Uint8Array([0x7b, 0xff, 0x7d]));
      expect(result.errors[0]).toMatchObject({ code: "INVALID_JSON", message: expect.stringMatching(/UTF-8/) });
    });

    it("MRS-E1 parses UTF-8 bytes and text alike", () => {
      const text = JSON.stringify(specPayload());
      expect(parseRegistration(new TextEncoder().encode(text))).toEqual(parseRegistration(text));
      expect(checkRegistration({ text }).ok).toBe(true);
    });
  });

  describe("MRS-E2 unknown members", () => {
    it("MRS-E2 rejects a typo at the root as UNKNOWN_FIELD at the member's pointer, naming the member meant", () => {
      const payload = { ...specPayload(), capabilites: [] };
      expect(only(payload)).toMatchObject({
        code: "UNKNOWN_FIELD",
        rule: "E2",
        pointer: "/capabilites",
        hint: 'did you mean "capabilities"?',
      });
    });

    it("MRS-E2 rejects unknown members at every level of the envelope, one error each", () => {
      const payload = withMetadata({ modul_name: "x" });
      payload.capabilities[0].descripton = "x";
      payload.extra = 1;
      const errors = errorsOf(payload);
      expect(errors.map((error) => [error.code, error.pointer, error.hint])).toEqual(
        expect.arrayContaining([
          ["UNKNOWN_FIELD", "/registration_metadata/modul_name", 'did you mean "module_name"?'],
          ["UNKNOWN_FIELD", "/capabilities/0/descripton", 'did you mean "description"?'],
          ["UNKNOWN_FIELD", "/extra", expect.stringContaining('"x-"')],
        ]),
      );
      expect(errors).toHaveLength(3);
    });

    it("MRS-E2 accepts x- vendor extensions at every level and keeps them", () => {
      const payload = withMetadata({ "x-team": "ops" });
      payload["x-build"] = { sha: "abc" };
      payload.capabilities[0]["x-owner"] = ["me"];
      const result = validateRegistration(payload);
      expect(result.ok).toBe(true);
      if (result.ok) expect((result.value as Record<string, unknown>)["x-build"]).toEqual({ sha: "abc" });
    });

    it("MRS-E2 hints the x- form for an extension spelt with X- or x_", () => {
      expect(only({ ...specPayload(), x_build: 1 }).hint).toMatch(/lowercase "x-"/);
    });
  });

  describe("MRS-E3 module_name", () => {
    it("MRS-E3 rejects a name wrong only by case and names the lowercase form", () => {
      expect(only(withMetadata({ module_name: "Restart-Nomad" }))).toMatchObject({
        code: "INVALID_MODULE_NAME",
        rule: "E3",
        pointer: "/registration_metadata/module_name",
        message: expect.stringMatching(/only wrong by case/),
        hint: 'use "restart-nomad"',
      });
    });

    it.each([
      ["", /empty/],
      ["1nomad", /start with a letter/],
      ["restart nomad", /contains " "/],
      ["restart--nomad", /single "-" or "_"/],
      ["restart-", /single "-" or "_"/],
      ["a".repeat(65), /65 characters/],
    ])("MRS-E3 rejects %j saying why", (name, why) => {
      expect(only(withMetadata({ module_name: name }))).toMatchObject({
        code: "INVALID_MODULE_NAME",
        message: expect.stringMatching(why),
      });
    });

    it("MRS-E3 suggests a valid name when one is obvious", () => {
      expect(only(withMetadata({ module_name: "Restart Nomad!" })).hint).toBe('use "restart-nomad"');
    });

    it("MRS-E3 accepts 64 characters and underscores", () => {
      expect(validateRegistration(withMetadata({ module_name: `a${"b".repeat(63)}` })).ok).toBe(true);
      expect(validateRegistration(withMetadata({ module_name: "vault_sink-2" })).ok).toBe(true);
    });

    it("MRS-E3 gives a value of the wrong type the field's code", () => {
      expect(only(withMetadata({ module_name: ["x"] }))).toMatchObject({ code: "INVALID_MODULE_NAME" });
    });

    it("MRS-E3 gives a missing module_name the field's code", () => {
      const payload = specPayload();
      delete payload.registration_metadata.module_name;
      expect(only(payload)).toMatchObject({
        code: "INVALID_MODULE_NAME",
        pointer: "/registration_metadata/module_name",
      });
    });
  });

  describe("MRS-E4 module_version", () => {
    it("MRS-E4 gives a number the field's code, INVALID_VERSION", () => {
      expect(only(withMetadata({ module_version: 1 }))).toMatchObject({
        code: "INVALID_VERSION",
        rule: "E4",
        pointer: "/registration_metadata/module_version",
      });
    });

    it.each([
      ["v1.0.0", "1.0.0"],
      [" 1.0.0", "1.0.0"],
      ["1.0", "1.0.0"],
      ["=1.2.3", "1.2.3"],
    ])("MRS-E4 rejects %j and hints %j", (version, fixed) => {
      expect(only(withMetadata({ module_version: version }))).toMatchObject({
        code: "INVALID_VERSION",
        hint: `use "${fixed}"`,
      });
    });

    it.each(["^1.0.0", ">=1.0.0", "1.x", "01.0.0", "1.00.0", "1.0.0-", "1.0.0+", "1.0.0-01", "", "1.0.0 "])(
      "MRS-E4 rejects the non-strict version %j",
      (version) => {
        expect(only(withMetadata({ module_version: version })).code).toBe("INVALID_VERSION");
      },
    );

    it("MRS-E4 rejects numeric identifiers beyond 2^53 - 1, where precedence would be wrong", () => {
      for (const version of ["9007199254740992.0.0", "1.0.0-rc.9007199254740993"]) {
        expect(only(withMetadata({ module_version: version })).message, version).toMatch(/larger than/);
      }
      expect(validateRegistration(withMetadata({ module_version: "9007199254740991.0.0" })).ok).toBe(true);
    });

    it.each([
      "0.0.0",
      "0.0.1",
      "999999999999999.999999999999999.0",
      "1.0.0-rc.1",
      "2.0.0-alpha.beta.1+build.5",
      "1.0.0+20130313144700",
      "1.0.0-x-y-z.--",
    ])("MRS-E4 accepts the strict SemVer version %j", (version) => {
      expect(validateRegistration(withMetadata({ module_version: version })).ok).toBe(true);
    });
  });

  describe("MRS-E5 registered_at", () => {
    it("MRS-E5 rejects an offset other than Z as TIMESTAMP_NOT_UTC, with the same instant in UTC as the hint", () => {
      expect(only(withMetadata({ registered_at: "2025-12-01T02:30:00.5+02:30" }))).toMatchObject({
        code: "TIMESTAMP_NOT_UTC",
        rule: "E5",
        pointer: "/registration_metadata/registered_at",
        hint: expect.stringContaining('"2025-12-01T00:00:00.5Z"'),
      });
      expect(only(withMetadata({ registered_at: "2025-12-31T23:00:00-01:00" })).hint).toContain(
        '"2026-01-01T00:00:00Z"',
      );
      expect(only(withMetadata({ registered_at: "2025-12-01T00:00:00+00:00" })).code).toBe("TIMESTAMP_NOT_UTC");
    });

    it.each([
      ["2025-02-30T00:00:00Z", /does not exist/],
      ["2023-02-29T00:00:00Z", /does not exist/],
      ["1900-02-29T00:00:00Z", /does not exist/],
      ["2025-04-31T00:00:00Z", /does not exist/],
      ["2025-00-10T00:00:00Z", /month 00/],
      ["2025-12-00T00:00:00Z", /does not exist/],
      ["2025-12-01T23:59:61Z", /no second 61/],
      ["2025-13-01T00:00:00Z", /month 13/],
      ["2025-12-01T24:00:00Z", /no time 24:00/],
      ["2025-12-01T00:60:00Z", /no time/],
      ["2016-12-31T23:59:60Z", /leap second/],
      ["2025-12-01", /not an RFC 3339 date-time/],
      ["2025-12-01T00:00:00", /not an RFC 3339 date-time/],
      ["2025-12-01t00:00:00z", /uppercase/],
      ["2025-12-01 00:00:00Z", /uppercase/],
      ["2025-12-01T00:00:00.1234567890Z", /fractional digits/],
      ["yesterday", /not an RFC 3339 date-time/],
    ])("MRS-E5 rejects %j as INVALID_TIMESTAMP", (timestamp, why) => {
      expect(only(withMetadata({ registered_at: timestamp }))).toMatchObject({
        code: "INVALID_TIMESTAMP",
        message: expect.stringMatching(why),
      });
    });

    it.each([
      "2024-02-29T00:00:00Z",
      "2000-02-29T23:59:59.999999999Z",
      "2025-12-01T00:00:00.5Z",
      "0000-02-29T00:00:00Z",
      "9999-12-31T23:59:59Z",
      "2025-04-30T00:00:00Z",
    ])("MRS-E5 accepts the real UTC instant %j", (timestamp) => {
      expect(validateRegistration(withMetadata({ registered_at: timestamp })).ok).toBe(true);
    });

    it("MRS-E5 gives a value of the wrong type INVALID_TIMESTAMP", () => {
      expect(only(withMetadata({ registered_at: 1733011200 })).code).toBe("INVALID_TIMESTAMP");
    });
  });

  describe("MRS-E6 capabilities", () => {
    it.each([[{}], ["x"], [[]], [null]])("MRS-E6 rejects capabilities %j as INVALID_CAPABILITIES", (capabilities) => {
      expect(only({ ...specPayload(), capabilities })).toMatchObject({
        code: "INVALID_CAPABILITIES",
        rule: "E6",
        pointer: "/capabilities",
      });
    });

    it("MRS-E6 rejects more than 256 capabilities and accepts 256", () => {
      const capability = specPayload().capabilities[0];
      const many = (count: number) => ({
        ...specPayload(),
        capabilities: Array.from({ length: count }, (_, index) => ({ ...capability, action: `action-${index}` })),
      });
      expect(validateRegistration(many(256)).ok).toBe(true);
      expect(only(many(257))).toMatchObject({ code: "INVALID_CAPABILITIES", pointer: "/capabilities" });
    });

    it("MRS-E6 rejects a capability that is not an object, at its index", () => {
      const payload = specPayload();
      payload.capabilities.push(5);
      expect(only(payload)).toMatchObject({ code: "INVALID_CAPABILITIES", pointer: "/capabilities/1" });
    });

    it("MRS-E6 gives a missing capabilities member its field's code", () => {
      const payload = specPayload();
      delete payload.capabilities;
      expect(only(payload)).toMatchObject({ code: "INVALID_CAPABILITIES", pointer: "/capabilities" });
    });
  });

  describe("MRS-E7 action", () => {
    it("MRS-E7 rejects an action name of the wrong form, with the lowercase hint for case", () => {
      expect(only(withCapability({ action: "Restart" }))).toMatchObject({
        code: "INVALID_ACTION_NAME",
        rule: "E7",
        pointer: "/capabilities/0/action",
        hint: 'use "restart"',
      });
    });

    it("MRS-E7 rejects a duplicate action as DUPLICATE_ACTION pointing at the second one", () => {
      const payload = specPayload();
      payload.capabilities.push({ ...payload.capabilities[0], description: "again" });
      expect(only(payload)).toMatchObject({
        code: "DUPLICATE_ACTION",
        rule: "E7",
        pointer: "/capabilities/1/action",
        message: expect.stringContaining("/capabilities/0"),
      });
    });

    it("MRS-E7 gives a missing action its field's code", () => {
      const payload = specPayload();
      delete payload.capabilities[0].action;
      expect(only(payload)).toMatchObject({ code: "INVALID_ACTION_NAME", pointer: "/capabilities/0/action" });
    });
  });

  describe("MRS-E8 description", () => {
    it.each([
      ["", /empty/],
      [5, /must be a string/],
      ["x".repeat(4097), /4,097 characters/],
    ])("MRS-E8 rejects the description %j", (description, why) => {
      expect(only(withCapability({ description }))).toMatchObject({
        code: "INVALID_DESCRIPTION",
        rule: "E8",
        pointer: "/capabilities/0/description",
        message: expect.stringMatching(why),
      });
    });

    it("MRS-E8 counts characters, not UTF-16 units: 4,096 emoji pass", () => {
      expect(validateRegistration(withCapability({ description: "🚀".repeat(4096) })).ok).toBe(true);
      expect(only(withCapability({ description: "🚀".repeat(4097) })).code).toBe("INVALID_DESCRIPTION");
    });
  });

  describe("MRS-E9 capability schemas", () => {
    it.each([
      [true, "/capabilities/0/input_schema"],
      [false, "/capabilities/0/input_schema"],
      [{ properties: {} }, "/capabilities/0/input_schema"],
      [{ type: "string" }, "/capabilities/0/input_schema/type"],
      [{ type: ["object", "null"] }, "/capabilities/0/input_schema/type"],
    ])("MRS-E9 rejects the root %j as SCHEMA_ROOT_NOT_OBJECT", (schema, pointer) => {
      expect(only(withInputSchema(schema))).toMatchObject({ code: "SCHEMA_ROOT_NOT_OBJECT", rule: "E9", pointer });
    });

    it.each([[null], ["object"], [[]], [5]])(
      "MRS-E9 rejects %j, which is no JSON Schema, as INVALID_JSON_SCHEMA",
      (schema) => {
        expect(only(withInputSchema(schema))).toMatchObject({
          code: "INVALID_JSON_SCHEMA",
          pointer: "/capabilities/0/input_schema",
        });
      },
    );

    it("MRS-E9 gives a missing schema INVALID_JSON_SCHEMA", () => {
      const payload = specPayload();
      delete payload.capabilities[0].output_schema;
      expect(only(payload)).toMatchObject({ code: "INVALID_JSON_SCHEMA", pointer: "/capabilities/0/output_schema" });
    });

    it.each([
      [{ type: "object", properties: { x: { type: "strin" } } }, "/properties/x/type", /must be one of/],
      [{ type: "object", required: "x" }, "/required", /must be array/],
      [{ type: "object", properties: { x: { minLength: -1 } } }, "/properties/x/minLength", /must be >= 0/],
      [{ type: "object", properties: { x: { maximum: { $data: "1/y" } } } }, "/properties/x/maximum", /must be number/],
      [{ type: "object", $defs: { a: 1 } }, "/$defs/a", /object or boolean/],
    ])("MRS-E9 rejects %j by the 2020-12 meta-schema, at the bad keyword", (schema, at, why) => {
      expect(only(withInputSchema(schema))).toMatchObject({
        code: "INVALID_JSON_SCHEMA",
        pointer: `/capabilities/0/input_schema${at}`,
        message: expect.stringMatching(why),
      });
    });

    it("MRS-E9 reads a schema whose $schema names draft-07 by the draft-07 meta-schema", () => {
      const tuple = { type: "object", properties: { pair: { items: [{ type: "string" }, { type: "number" }] } } };
      expect(only(withInputSchema(tuple)).pointer).toBe("/capabilities/0/input_schema/properties/pair/items");
      const draft07 = { $schema: "http://json-schema.org/draft-07/schema#", ...tuple };
      expect(validateRegistration(withInputSchema(draft07)).ok).toBe(true);
      expect(only(withInputSchema({ ...draft07, required: 5 }))).toMatchObject({
        code: "INVALID_JSON_SCHEMA",
        message: expect.stringContaining("draft-07"),
      });
    });

    it("MRS-E9 refuses a $schema naming another dialect, and $schema below the root", () => {
      expect(
        only(withInputSchema({ type: "object", $schema: "http://json-schema.org/draft-04/schema#" })),
      ).toMatchObject({
        code: "INVALID_JSON_SCHEMA",
        pointer: "/capabilities/0/input_schema/$schema",
        hint: expect.stringContaining("2020-12"),
      });
      expect(
        only(
          withInputSchema({
            type: "object",
            properties: { a: { $schema: "https://json-schema.org/draft/2020-12/schema" } },
          }),
        ),
      ).toMatchObject({ code: "INVALID_JSON_SCHEMA", pointer: "/capabilities/0/input_schema/properties/a/$schema" });
    });

    it("MRS-E9 rejects a local $ref that points nowhere", () => {
      expect(only(withInputSchema({ type: "object", properties: { a: { $ref: "#/$defs/missing" } } }))).toMatchObject({
        code: "INVALID_JSON_SCHEMA",
        pointer: "/capabilities/0/input_schema/properties/a/$ref",
      });
    });

    it("MRS-E9 accepts local references by pointer, by anchor and to the root", () => {
      const schema = {
        type: "object",
        $defs: { "a b": { type: "string" }, named: { $anchor: "named", type: "number" } },
        properties: { a: { $ref: "#/$defs/a%20b" }, b: { $ref: "#named" }, c: { $ref: "#" } },
      };
      expect(validateRegistration(withInputSchema(schema)).ok).toBe(true);
    });

    it("MRS-E9 reports the faults of both schemas of every capability together", () => {
      const payload = specPayload();
      payload.capabilities[0].input_schema = { type: "string" };
      payload.capabilities[0].output_schema = { type: "object", required: 1 };
      expect(errorsOf(payload).map((error) => error.code)).toEqual(["SCHEMA_ROOT_NOT_OBJECT", "INVALID_JSON_SCHEMA"]);
    });
  });

  describe("MRS-E9b unknown formats", () => {
    it("MRS-E9b accepts a schema with an unknown format and warns with the format's pointer", () => {
      const result = validateRegistration(
        withInputSchema({
          type: "object",
          properties: { v: { type: "string", format: "semver" }, w: { format: "datetime" } },
        }),
      );
      expect(result.ok).toBe(true);
      expect(result.warnings).toEqual([
        expect.objectContaining({
          code: "UNKNOWN_FORMAT",
          rule: "E9b",
          pointer: "/capabilities/0/input_schema/properties/v/format",
          message: expect.stringContaining('"semver"'),
        }),
        expect.objectContaining({
          pointer: "/capabilities/0/input_schema/properties/w/format",
          hint: 'did you mean "date-time"?',
        }),
      ]);
    });

    it("MRS-E9b does not warn about the formats the engine checks", () => {
      const result = validateRegistration(withInputSchema({ type: "object", properties: { e: { format: "email" } } }));
      expect(result.warnings).toEqual([]);
    });
  });

  describe("MRS-E10 local references only", () => {
    it.each([
      "http://example.com/schema.json",
      "https://example.com/schema.json#/$defs/a",
      "file:///etc/passwd",
      "other.json#/x",
      "other.json",
      "//example.com/a",
    ])("MRS-E10 rejects the $ref %j as REMOTE_REF_FORBIDDEN", (ref) => {
      expect(only(withInputSchema({ type: "object", properties: { a: { $ref: ref } } }))).toMatchObject({
        code: "REMOTE_REF_FORBIDDEN",
        rule: "E10",
        pointer: "/capabilities/0/input_schema/properties/a/$ref",
      });
    });

    it("MRS-E10 rejects a remote $dynamicRef and a $ref at the root", () => {
      expect(
        only(withInputSchema({ type: "object", properties: { a: { $dynamicRef: "https://x/y#meta" } } })).code,
      ).toBe("REMOTE_REF_FORBIDDEN");
      expect(only(withInputSchema({ type: "object", $ref: "https://x/y" })).pointer).toBe(
        "/capabilities/0/input_schema/$ref",
      );
    });

    it("MRS-E10 rejects an $id below the root, which would make '#' mean another document", () => {
      const schema = { type: "object", properties: { a: { $id: "https://evil.example/s.json", $ref: "#/$defs/x" } } };
      expect(errorsOf(withInputSchema(schema))).toContainEqual(
        expect.objectContaining({
          code: "REMOTE_REF_FORBIDDEN",
          pointer: "/capabilities/0/input_schema/properties/a/$id",
        }),
      );
    });

    it("MRS-E10 allows a root $id, and draft-07 '#name' anchors below it", () => {
      expect(validateRegistration(withInputSchema({ $id: "https://example.com/in.json", type: "object" })).ok).toBe(
        true,
      );
      const draft07 = {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        definitions: { a: { $id: "#a", type: "string" } },
        properties: { x: { $ref: "#a" } },
      };
      expect(validateRegistration(withInputSchema(draft07)).ok).toBe(true);
    });

    it("MRS-E10 treats a $ref inside const or enum data as data", () => {
      const schema = { type: "object", properties: { a: { const: { $ref: "https://example.com/x" } } } };
      expect(validateRegistration(withInputSchema(schema)).ok).toBe(true);
    });

    it("MRS-E10 never touches the network while validating", async () => {
      const originalFetch = globalThis.fetch;
      let calls = 0;
      globalThis.fetch = (() => {
        calls++;
        return Promise.reject(new Error("no network in validation"));
      }) as typeof fetch;
      try {
        validateRegistration(
          withInputSchema({ type: "object", properties: { a: { $ref: "https://example.com/x.json" } } }),
        );
        validateRegistration(
          withInputSchema({ $id: "https://example.com/in.json", type: "object", properties: { a: { $ref: "#" } } }),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      } finally {
        globalThis.fetch = originalFetch;
      }
      expect(calls).toBe(0);
    });
  });

  describe("MRS-E11 limits against hostile payloads", () => {
    it("MRS-E11 refuses a 2 MiB payload as PAYLOAD_TOO_LARGE before parsing it", () => {
      const big = JSON.stringify({ ...specPayload(), "x-pad": "a".repeat(2 * 1024 * 1024) });
      for (const text of [big, new TextEncoder().encode(big)]) {
        const result = parseRegistration(text);
        expect(result.errors[0]).toMatchObject({ code: "PAYLOAD_TOO_LARGE", rule: "E11", pointer: "" });
      }
      expect(checkRegistration({ text: big }).errors[0]?.code).toBe("PAYLOAD_TOO_LARGE");
    });

    it("MRS-E11 counts UTF-8 bytes: 1 MiB of ASCII passes, the same count of 2-byte characters does not", () => {
      const frame = JSON.stringify({ ...specPayload(), "x-pad": "" });
      const ascii = frame.replace('"x-pad":""', `"x-pad":"${"a".repeat(MAX_PAYLOAD_BYTES - frame.length)}"`);
      expect(new TextEncoder().encode(ascii).length).toBe(MAX_PAYLOAD_BYTES);
      expect(checkRegistration({ text: ascii }).ok).toBe(true);
      const accented = frame.replace('"x-pad":""', `"x-pad":"${"é".repeat(MAX_PAYLOAD_BYTES - frame.length)}"`);
      expect(parseRegistration(accented).errors[0]?.code).toBe("PAYLOAD_TOO_LARGE");
    });

    it("MRS-E11 refuses a schema nested 10,000 deep without a stack overflow", () => {
      let schema: Record<string, unknown> = { type: "object" };
      for (let level = 0; level < 10_000; level++) schema = { type: "object", properties: { a: schema } };
      const error = only(withInputSchema(schema));
      expect(error).toMatchObject({ code: "SCHEMA_TOO_COMPLEX", rule: "E11" });
      expect(error.pointer).toBe(`/capabilities/0/input_schema${"/properties/a".repeat(33)}`);
    });

    it("MRS-E11 refuses a payload nested 10,000 deep, from text too, without a stack overflow", () => {
      const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
      const inExtension = `{"registration_metadata":{"module_name":"a","module_version":"1.0.0","registered_at":"2025-12-01T00:00:00Z"},"capabilities":[],"x-deep":${deep}}`;
      const result = checkRegistration({ text: inExtension });
      expect(result.errors).toContainEqual(expect.objectContaining({ code: "INVALID_PAYLOAD", rule: "E1" }));
      expect(checkRegistration({ text: deep }).errors[0]?.code).toBe("INVALID_PAYLOAD");
      const deepConst = `{"type":"object","const":${deep}}`;
      const inSchema = JSON.stringify(specPayload()).replace(
        '{"type":"object","properties":{},"required":[]}',
        deepConst,
      );
      expect(checkRegistration({ text: inSchema }).errors[0]).toMatchObject({ code: "SCHEMA_TOO_COMPLEX" });
    });

    it("MRS-E11 accepts 32 levels of subschemas and refuses 33", () => {
      const nest = (levels: number) => {
        let schema: Record<string, unknown> = { type: "string" };
        for (let level = 0; level < levels; level++) schema = { type: "object", properties: { a: schema } };
        return schema;
      };
      expect(validateRegistration(withInputSchema(nest(32))).ok).toBe(true);
      expect(only(withInputSchema(nest(33))).code).toBe("SCHEMA_TOO_COMPLEX");
    });

    it("MRS-E11 refuses more than 2,000 subschemas and an enum of more than 1,000 values", () => {
      const properties = Object.fromEntries(
        Array.from({ length: 2000 }, (_, index) => [`p${index}`, { type: "string" }]),
      );
      expect(only(withInputSchema({ type: "object", properties }))).toMatchObject({
        code: "SCHEMA_TOO_COMPLEX",
        pointer: "/capabilities/0/input_schema",
      });
      const values = Array.from({ length: 1001 }, (_, index) => index);
      expect(only(withInputSchema({ type: "object", properties: { a: { enum: values } } }))).toMatchObject({
        code: "SCHEMA_TOO_COMPLEX",
        pointer: "/capabilities/0/input_schema/properties/a/enum",
      });
      expect(
        validateRegistration(withInputSchema({ type: "object", properties: { a: { enum: values.slice(1) } } })).ok,
      ).toBe(true);
    });

    it("MRS-E11 accepts ^(a+)+$, which runs on the linear engine: 100,000 hostile characters are checked at once", () => {
      const schema = { type: "object", properties: { a: { type: "string", pattern: "^(a+)+$" } } };
      expect(validateRegistration(withInputSchema(schema)).ok).toBe(true);
      const validator = compileSchema(schema);
      const checking = performance.now();
      expect(validator.check({ a: `${"a".repeat(29)}!` }, "INPUT_INVALID").valid).toBe(false);
      expect(validator.check({ a: `${"a".repeat(100_000)}!` }, "INPUT_INVALID").valid).toBe(false);
      expect(validator.check({ a: "a".repeat(100_000) }, "INPUT_INVALID").valid).toBe(true);
      expect(performance.now() - checking).toBeLessThan(HANG_GUARD_MS);
    });

    it("MRS-E11 rejects a pattern the linear engine cannot run and the analysis cannot prove safe, at registration and at compile", () => {
      const schema = { type: "object", properties: { a: { type: "string", pattern: "^(?=(a+)+$)" } } };
      const error = only(withInputSchema(schema));
      expect(error).toMatchObject({
        code: "UNSAFE_PATTERN",
        rule: "E11",
        pointer: "/capabilities/0/input_schema/properties/a/pattern",
        message: expect.stringContaining("lookahead (?=(a+)+$)"),
      });
      // Nor can it be compiled behind validation's back, so no input ever runs against it.
      expect(() => compileSchema(schema)).toThrow(/UNSAFE_PATTERN/);
    });

    it.each(["(?=(a|a)*$)", "(?=(a*)*$)", "^(?!(a|aa)+$)", "[", "(?<n>a)\\k<n>"])(
      "MRS-E11 rejects the pattern %j as UNSAFE_PATTERN",
      (pattern) => {
        expect(only(withInputSchema({ type: "object", properties: { a: { pattern } } })).code).toBe("UNSAFE_PATTERN");
      },
    );

    it("MRS-E11 checks patternProperties keys, pointing at the key", () => {
      expect(only(withInputSchema({ type: "object", patternProperties: { "^(?=(x+)+$)": {} } }))).toMatchObject({
        code: "UNSAFE_PATTERN",
        pointer: "/capabilities/0/input_schema/patternProperties/^(?=(x+)+$)",
      });
    });

    it("MRS-E11 answers a 1 MiB payload built to be slow to check (23,000 distinct patterns) within the time bound", () => {
      const capabilities = Array.from({ length: 256 }, (_, c) => ({
        action: `a${c}`,
        description: "d",
        input_schema: {
          type: "object",
          properties: Object.fromEntries(
            Array.from({ length: 90 }, (_, i) => [
              `p${i}`,
              { pattern: `^[a-z]${(c * 90 + i).toString(36)}(-[a-z]+)*$` },
            ]),
          ),
        },
        output_schema: { type: "object", properties: { r: { type: "strin", minLength: -1 } } },
      }));
      const text = JSON.stringify({ ...specPayload(), capabilities });
      expect(text.length).toBeLessThan(MAX_PAYLOAD_BYTES);
      const started = performance.now();
      const result = checkRegistration({ text });
      // The bound is 1 s of analysis; the rest is the walk, the envelope and error building,
      // on a machine that may be shared.
      expect(performance.now() - started).toBeLessThan(3 * HANG_GUARD_MS);
      expect(result.errors).toContainEqual(
        expect.objectContaining({ code: "UNSAFE_PATTERN", message: expect.stringContaining("not analysed") }),
      );
      // Every output_schema is refused, with or without the details of its fault.
      const invalidOutputs = new Set(
        result.errors
          .filter((error) => error.code === "INVALID_JSON_SCHEMA")
          .map((error) => /^\/capabilities\/\d+/.exec(error.pointer)?.[0]),
      );
      expect(invalidOutputs.size).toBe(256);
    });

    it("MRS-E11 never evaluates $data: it is an unknown keyword with no effect", () => {
      const schema = { type: "object", properties: { a: { type: "number" } }, $data: "0/a", maximum: 5 };
      expect(validateRegistration(withInputSchema(schema)).ok).toBe(true);
    });
  });

  describe("MRS-E12 prototype keys are data", () => {
    it("MRS-E12 parsing, validating, compiling and checking __proto__, constructor and prototype keys changes no prototype", () => {
      const before = Object.getOwnPropertyNames(Object.prototype).sort();
      const text = JSON.stringify(specPayload()).replace(
        '"registration_metadata":{',
        '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"registration_metadata":{"__proto__":{"polluted":true},',
      );
      const parsed = parseRegistration(text);
      expect(parsed.ok).toBe(true);
      const result = checkRegistration({ text });
      expect(result.errors.map((error) => error.pointer)).toEqual(
        expect.arrayContaining(["/__proto__", "/constructor", "/registration_metadata/__proto__"]),
      );
      const validator = compileSchema(
        JSON.parse('{"type":"object","properties":{"__proto__":{"type":"object"},"constructor":{"type":"object"}}}'),
      );
      validator.check(
        JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
        "INPUT_INVALID",
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
      if (parsed.ok) expect(Object.getPrototypeOf(parsed.value)).toBe(Object.prototype);
    });

    it("MRS-E12 a property named __proto__ in a schema is an ordinary property", () => {
      const schema = JSON.parse(
        '{"type":"object","properties":{"__proto__":{"type":"string","pattern":"^(?=(a+)+$)"},"constructor":{"type":"number"}},"required":["__proto__"]}',
      );
      expect(only(withInputSchema(schema))).toMatchObject({
        code: "UNSAFE_PATTERN",
        pointer: "/capabilities/0/input_schema/properties/__proto__/pattern",
      });
      expect(({} as Record<string, unknown>).pattern).toBeUndefined();
    });
  });

  it("reports every fault of a payload at once, each once", () => {
    const payload = specPayload();
    payload.registration_metadata = {
      module_name: "Restart-Nomad",
      module_version: "v1.0",
      registered_at: "2025-12-01T02:00:00+02:00",
      extra: 1,
    };
    payload.capabilites = [];
    payload.capabilities.push(5, {}, { ...payload.capabilities[0], description: "" });
    const errors = errorsOf(payload);
    expect(errors.map((error) => `${error.code} ${error.pointer}`).sort()).toEqual(
      [
        "DUPLICATE_ACTION /capabilities/3/action",
        "INVALID_ACTION_NAME /capabilities/2/action",
        "INVALID_CAPABILITIES /capabilities/1",
        "INVALID_DESCRIPTION /capabilities/2/description",
        "INVALID_DESCRIPTION /capabilities/3/description",
        "INVALID_JSON_SCHEMA /capabilities/2/input_schema",
        "INVALID_JSON_SCHEMA /capabilities/2/output_schema",
        "INVALID_MODULE_NAME /registration_metadata/module_name",
        "INVALID_VERSION /registration_metadata/module_version",
        "TIMESTAMP_NOT_UTC /registration_metadata/registered_at",
        "UNKNOWN_FIELD /capabilites",
        "UNKNOWN_FIELD /registration_metadata/extra",
      ].sort(),
    );
    for (const error of errors) {
      expect(error.message.length, error.code).toBeGreaterThan(10);
      expect(error.message, error.code).not.toContain("\n");
    }
  });

  it("checkRegistration passes a source's errors through and validates payloads given as values", () => {
    const sourceError = { code: "SOURCE_UNAVAILABLE", rule: "S9", pointer: "", message: "unreadable" } as const;
    expect(checkRegistration({ errors: [sourceError] })).toEqual({ ok: false, errors: [sourceError], warnings: [] });
    expect(checkRegistration({ payload: specPayload() }).ok).toBe(true);
    expect(checkRegistration({ payload: [] }).errors[0]?.code).toBe("INVALID_PAYLOAD");
  });
});
