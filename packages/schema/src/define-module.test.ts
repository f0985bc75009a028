import { readFileSync } from "node:fs";
import Type from "typebox";
import { Compile } from "typebox/compile";
import { describe, expect, it } from "vitest";
import { createAjv } from "./__fixtures__/ajv.js";
import { defineModule } from "./define-module.js";
import { RegistrationPayload } from "./envelope.js";
import { registrationJsonSchema } from "./json-schema.js";
import { ModuleDefinitionError, type ModuleDefinitionIssue } from "./module-definition-error.js";

const FIXED = "2025-12-01T00:00:00Z";
const envelope = Compile(RegistrationPayload);
const ajv = createAjv();
const ajvEnvelope = ajv.compile(registrationJsonSchema);

/** The spec's restart-nomad module, written with defineModule. */
function restartNomad(overrides: Partial<Parameters<typeof defineModule>[0]> = {}) {
  return defineModule({
    name: "restart-nomad",
    version: "1.0.0",
    registeredAt: FIXED,
    capabilities: {
      "restart-nomad": {
        description: "Restarts Nomad systemd unit",
        input: Type.Object({}),
        output: Type.Object({ result: Type.String() }),
      },
    },
    ...overrides,
  });
}

/** A richer module: formats, enums, optional and nested members. */
const vault = () =>
  defineModule({
    name: "vault-secrets",
    version: "1.4.0",
    registeredAt: new Date(Date.UTC(2025, 11, 1, 9, 0, 0, 250)),
    extensions: { "x-owner": "platform" },
    capabilities: {
      "rotate-secret": {
        description: "Writes a freshly generated value as a new version of a secret.",
        input: Type.Object(
          {
            path: Type.String({ minLength: 1 }),
            generator: Type.Optional(
              Type.Object({ kind: Type.Enum(["password", "hex", "uuid"]), length: Type.Integer({ minimum: 16 }) }),
            ),
            requested_by: Type.String({ format: "email" }),
          },
          { additionalProperties: false },
        ),
        output: Type.Object({
          new_version: Type.Integer({ minimum: 1 }),
          rotated_at: Type.String({ format: "date-time" }),
          request_id: Type.String({ format: "uuid" }),
        }),
        extensions: { "x-idempotent": false },
      },
      "read-secret": {
        description: "Reads one version of a secret.",
        input: Type.Object({ path: Type.String(), version: Type.Optional(Type.Integer({ minimum: 1 })) }),
        output: Type.Object({ data: Type.Record(Type.String(), Type.String()) }),
      },
    },
  });

/** Every key a JSON value holds that JSON.stringify would not show: symbols and non-enumerable members. */
function hiddenKeys(node: unknown, pointer = ""): string[] {
  if (node === null || typeof node !== "object") return [];
  const visible = new Set(Object.keys(node));
  const hidden = [
    ...Object.getOwnPropertyNames(node).filter(
      (key) => !visible.has(key) && !(Array.isArray(node) && key === "length"),
    ),
    ...Object.getOwnPropertySymbols(node).map(String),
  ].map((key) => `${pointer}/${key}`);
  return [...hidden, ...Object.entries(node).flatMap(([key, value]) => hiddenKeys(value, `${pointer}/${key}`))];
}

/** The issues defineModule throws with, or fails the test if it does not throw. */
function issuesOf(define: () => unknown): readonly ModuleDefinitionIssue[] {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(ModuleDefinitionError);
    return (error as ModuleDefinitionError).issues;
  }
  throw new Error("defineModule did not throw");
}

describe("defineModule builds a registration payload", () => {
  it("MRS-E1 builds the spec's restart-nomad example", () => {
    const spec = JSON.parse(readFileSync(new URL("../examples/restart-nomad.json", import.meta.url), "utf8"));
    // Type.Object({}) leaves out the spec's `"required": []`, which means the same.
    delete spec.capabilities[0].input_schema.required;
    expect(restartNomad().payload).toEqual(spec);
  });

  it("MRS-E1 emits plain JSON: no TypeBox ~kind keys, symbols or functions survive", () => {
    const { payload } = vault();
    expect(hiddenKeys(payload)).toEqual([]);
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
  });

  it("MRS-E1 passes the envelope with TypeBox Compile and with Ajv on the JSON Schema file", () => {
    for (const { payload } of [restartNomad(), vault()]) {
      expect(envelope.Errors(payload)).toEqual([]);
      expect(ajvEnvelope(payload), JSON.stringify(ajvEnvelope.errors)).toBe(true);
    }
  });

  it("MRS-E9 emits capability schemas that are valid JSON Schema 2020-12 and check formats (I2)", () => {
    const { payload } = vault();
    const [rotate] = payload.capabilities;
    for (const capability of payload.capabilities) {
      expect(ajv.validateSchema(capability.input_schema)).toBe(true);
      expect(ajv.validateSchema(capability.output_schema)).toBe(true);
    }
    const input = ajv.compile(rotate?.input_schema ?? {});
    expect(input({ path: "db", requested_by: "oncall@example.com" })).toBe(true);
    expect(input({ path: "db", requested_by: "not an email" })).toBe(false);
    expect(input({ path: "db", requested_by: "oncall@example.com", extra: 1 })).toBe(false);
  });

  it("MRS-E5 fills registered_at with the current time in UTC by default", () => {
    const before = Date.now();
    const { payload } = restartNomad({ registeredAt: undefined });
    const after = Date.now();
    const at = payload.registration_metadata.registered_at;
    expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(at)).toBeLessThanOrEqual(after);
  });

  it("MRS-E5 takes registeredAt as a Date (written in UTC) or as a string (kept as given)", () => {
    expect(vault().payload.registration_metadata.registered_at).toBe("2025-12-01T09:00:00.250Z");
    expect(restartNomad().payload.registration_metadata.registered_at).toBe(FIXED);
  });

  it("MRS-E2 keeps x- extensions of the module and of each capability", () => {
    const { payload } = vault();
    expect((payload as Record<string, unknown>)["x-owner"]).toBe("platform");
    expect((payload.capabilities[0] as Record<string, unknown>)["x-idempotent"]).toBe(false);
  });

  it("MRS-E7 emits one capability per action, in the order written", () => {
    expect(vault().payload.capabilities.map((capability) => capability.action)).toEqual([
      "rotate-secret",
      "read-secret",
    ]);
  });

  it("returns the name, version and the TypeBox definitions as given", () => {
    const module = vault();
    expect(module.name).toBe("vault-secrets");
    expect(module.version).toBe("1.4.0");
    expect(Compile(module.capabilities["read-secret"].input).Check({ path: "a/b" })).toBe(true);
  });
});

describe("defineModule refuses a payload that is not a valid registration", () => {
  it("MRS-E3 rejects an uppercase module name, naming the field", () => {
    const issues = issuesOf(() => restartNomad({ name: "Restart-Nomad" }));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((issue) => issue.rule === "E3")).toBe(true);
    expect(issues).toEqual([
      {
        rule: "E3",
        pointer: "/registration_metadata/module_name",
        message: expect.stringContaining("lowercase letters and digits"),
      },
    ]);
  });

  it("MRS-E4 rejects a version with a leading v", () => {
    expect(issuesOf(() => restartNomad({ version: "v1.0.0" }))).toContainEqual(
      expect.objectContaining({ rule: "E4", pointer: "/registration_metadata/module_version" }),
    );
  });

  it("MRS-E5 rejects a registeredAt string with an offset", () => {
    expect(issuesOf(() => restartNomad({ registeredAt: "2025-12-01T01:00:00+01:00" }))).toContainEqual(
      expect.objectContaining({ rule: "E5", pointer: "/registration_metadata/registered_at" }),
    );
  });

  it("MRS-E5 rejects an invalid Date once, with its own message", () => {
    const issues = issuesOf(() => restartNomad({ registeredAt: new Date("not a date") }));
    expect(issues).toEqual([
      { rule: "E5", pointer: "/registration_metadata/registered_at", message: "registeredAt is an invalid Date" },
    ]);
  });

  it("MRS-E6 rejects a module without capabilities", () => {
    expect(issuesOf(() => restartNomad({ capabilities: {} }))).toContainEqual(
      expect.objectContaining({ rule: "E6", pointer: "/capabilities" }),
    );
  });

  it("MRS-E7 rejects an action name that is not lowercase", () => {
    const capabilities = {
      RestartNomad: { description: "Restarts", input: Type.Object({}), output: Type.Object({}) },
    };
    expect(issuesOf(() => restartNomad({ capabilities }))).toContainEqual(
      expect.objectContaining({ rule: "E7", pointer: "/capabilities/0/action" }),
    );
  });

  it("MRS-E8 rejects an empty description", () => {
    const capabilities = { restart: { description: "", input: Type.Object({}), output: Type.Object({}) } };
    expect(issuesOf(() => restartNomad({ capabilities }))).toContainEqual(
      expect.objectContaining({ rule: "E8", pointer: "/capabilities/0/description" }),
    );
  });

  it("MRS-E9 rejects an input schema whose root is not an object", () => {
    // The types already refuse a non-object root (define-module.test-d.ts); a JavaScript caller gets this check.
    const capabilities = { restart: { description: "Restarts", input: Type.String(), output: Type.Object({}) } };
    expect(issuesOf(() => restartNomad({ capabilities: capabilities as never }))).toContainEqual(
      expect.objectContaining({ rule: "E9", pointer: "/capabilities/0/input_schema/type" }),
    );
  });

  it("MRS-E9 rejects Type.Tuple, whose items array is not JSON Schema 2020-12", () => {
    const input = Type.Object({ pair: Type.Tuple([Type.String(), Type.Number()]) });
    const capabilities = { restart: { description: "Restarts", input, output: Type.Object({}) } };
    expect(issuesOf(() => restartNomad({ capabilities }))).toContainEqual(
      expect.objectContaining({ rule: "E9", pointer: "/capabilities/0/input_schema/properties/pair/items" }),
    );
  });

  it("MRS-E9 rejects types that have no JSON form (Type.BigInt)", () => {
    const output = Type.Object({ bytes: Type.BigInt() });
    const capabilities = { restart: { description: "Restarts", input: Type.Object({}), output } };
    expect(issuesOf(() => restartNomad({ capabilities }))).toContainEqual(
      expect.objectContaining({ rule: "E9", pointer: "/capabilities/0/output_schema/properties/bytes/type" }),
    );
  });

  it("MRS-E9 rejects Type.Refine, which the JSON Schema would silently drop", () => {
    const input = Type.Object({ port: Type.Refine(Type.Integer(), (port) => port % 2 === 0) });
    const capabilities = { restart: { description: "Restarts", input, output: Type.Object({}) } };
    const issues = issuesOf(() => restartNomad({ capabilities }));
    expect(issues).toContainEqual(
      expect.objectContaining({ rule: "E9", pointer: "/capabilities/0/input_schema/properties/port" }),
    );
    expect(issues[0]?.message).toMatch(/Type\.Refine/);
  });

  it("MRS-E10 rejects a $ref that is not local (Type.Ref by name)", () => {
    const input = Type.Object({ node: Type.Ref("Node") });
    const capabilities = { restart: { description: "Restarts", input, output: Type.Object({}) } };
    expect(issuesOf(() => restartNomad({ capabilities }))).toContainEqual(
      expect.objectContaining({ rule: "E10", pointer: "/capabilities/0/input_schema/properties/node/$ref" }),
    );
  });

  it("MRS-E10 accepts a local $ref into $defs", () => {
    const input = Type.Unsafe<{ when: string }>({
      type: "object",
      properties: { when: { $ref: "#/$defs/instant" } },
      $defs: { instant: { type: "string", format: "date-time" } },
    });
    const capabilities = { restart: { description: "Restarts", input, output: Type.Object({}) } };
    expect(restartNomad({ capabilities }).payload.capabilities[0]?.input_schema.$defs).toEqual({
      instant: { type: "string", format: "date-time" },
    });
  });

  it("MRS-E2 rejects an extension whose name does not start with x-", () => {
    const extensions = { owner: "platform" } as unknown as { "x-owner": string };
    expect(issuesOf(() => restartNomad({ extensions }))).toEqual([
      { rule: "E2", pointer: "/owner", message: 'extension "owner" does not start with x-' },
    ]);
  });

  it("reports every fault at once, in one error whose message lists them", () => {
    let thrown: unknown;
    try {
      restartNomad({ name: "Nomad", version: "1.0" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ModuleDefinitionError);
    const { issues, message } = thrown as ModuleDefinitionError;
    expect(new Set(issues.map((issue) => issue.rule))).toEqual(new Set(["E3", "E4"]));
    expect(message).toContain("/registration_metadata/module_name");
    expect(message).toContain("/registration_metadata/module_version");
  });
});

describe("DefinedModule.implement", () => {
  it("returns the handlers unchanged, callable with their action's input", async () => {
    const module = defineModule({
      name: "restart-nomad",
      version: "1.0.0",
      capabilities: {
        "restart-nomad": {
          description: "Restarts Nomad systemd unit",
          input: Type.Object({ unit: Type.String() }),
          output: Type.Object({ result: Type.String() }),
        },
      },
    });
    const given = { "restart-nomad": async ({ unit }: { unit: string }) => ({ result: `restarted ${unit}` }) };
    const handlers = module.implement(given);
    expect(handlers).toBe(given);
    await expect(handlers["restart-nomad"]({ unit: "nomad.service" })).resolves.toEqual({
      result: "restarted nomad.service",
    });
  });

  it("throws when an action has no handler or a handler no action", () => {
    const module = vault();
    const partial = { "read-secret": () => ({ data: {} }), "delete-secret": () => ({}) };
    expect(() => module.implement(partial as never)).toThrow(
      /no handler for action "rotate-secret".*handler "delete-secret" matches no action/,
    );
  });
});
