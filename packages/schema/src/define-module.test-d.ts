import Type from "typebox";
import { describe, expectTypeOf, it } from "vitest";
import {
  type ActionHandler,
  type ActionInput,
  type ActionOutput,
  type DefinedModule,
  defineModule,
  type ModuleHandlers,
} from "./define-module.js";
import type { Capability, RegistrationMetadata, RegistrationPayload } from "./envelope.js";

const nomad = defineModule({
  name: "restart-nomad",
  version: "1.0.0",
  capabilities: {
    "restart-nomad": {
      description: "Restarts Nomad systemd unit",
      input: Type.Object({ unit: Type.Optional(Type.String()), force: Type.Boolean() }),
      output: Type.Object({ result: Type.String(), at: Type.String({ format: "date-time" }) }),
    },
    drain: {
      description: "Drains the node",
      input: Type.Object({
        deadline_seconds: Type.Integer(),
        mode: Type.Union([Type.Literal("soft"), Type.Literal("hard")]),
      }),
      output: Type.Object({ allocations: Type.Array(Type.Object({ id: Type.String() })) }),
    },
  },
});

type Actions = typeof nomad.capabilities;

describe("defineModule types", () => {
  it("derives each handler's input from the action's input schema", () => {
    expectTypeOf<ActionInput<Actions["restart-nomad"]>>().toEqualTypeOf<{ unit?: string; force: boolean }>();
    expectTypeOf<ActionInput<Actions["drain"]>>().toEqualTypeOf<{ deadline_seconds: number; mode: "soft" | "hard" }>();
  });

  it("derives each handler's output from the action's output schema", () => {
    expectTypeOf<ActionOutput<Actions["restart-nomad"]>>().toEqualTypeOf<{ result: string; at: string }>();
    expectTypeOf<ActionOutput<Actions["drain"]>>().toEqualTypeOf<{ allocations: { id: string }[] }>();
  });

  it("types the handlers given to implement from the schemas, sync or async", () => {
    const handlers = nomad.implement({
      "restart-nomad": async (input) => {
        expectTypeOf(input).toEqualTypeOf<{ unit?: string; force: boolean }>();
        return { result: input.force ? "forced" : "restarted", at: new Date().toISOString() };
      },
      drain: (input) => {
        expectTypeOf(input.mode).toEqualTypeOf<"soft" | "hard">();
        return { allocations: [] };
      },
    });
    expectTypeOf(handlers).toEqualTypeOf<ModuleHandlers<Actions>>();
    expectTypeOf(handlers.drain).toEqualTypeOf<ActionHandler<Actions["drain"]>>();
    expectTypeOf(handlers.drain).returns.toEqualTypeOf<
      { allocations: { id: string }[] } | Promise<{ allocations: { id: string }[] }>
    >();
  });

  it("refuses handlers that do not match their schemas", () => {
    nomad.implement({
      // @ts-expect-error: the output lacks `at`.
      "restart-nomad": async () => ({ result: "restarted" }),
      drain: () => ({ allocations: [] }),
    });
    // @ts-expect-error: the `drain` handler is missing.
    nomad.implement({ "restart-nomad": async () => ({ result: "ok", at: "2025-12-01T00:00:00Z" }) });
    nomad.implement({
      "restart-nomad": async () => ({ result: "ok", at: "2025-12-01T00:00:00Z" }),
      // @ts-expect-error: `mode` is "soft" | "hard", not a number.
      drain: (input: { deadline_seconds: number; mode: number }) => ({ allocations: [input.deadline_seconds] }),
    });
  });

  it("accepts only object-rooted schemas for input and output (E9)", () => {
    defineModule({
      name: "records",
      version: "1.0.0",
      capabilities: {
        tag: {
          description: "Tags things",
          input: Type.Record(Type.String(), Type.String()),
          output: Type.Unsafe<{ ok: boolean }>({ type: "object", properties: { ok: { type: "boolean" } } }),
        },
      },
    });
    defineModule({
      name: "strings",
      version: "1.0.0",
      // @ts-expect-error: a string root is not an object schema.
      capabilities: { echo: { description: "Echoes", input: Type.String(), output: Type.Object({}) } },
    });
  });

  it("returns a DefinedModule whose payload is a RegistrationPayload", () => {
    expectTypeOf(nomad).toEqualTypeOf<DefinedModule<Actions>>();
    expectTypeOf(nomad.payload).toEqualTypeOf<RegistrationPayload>();
    expectTypeOf(nomad.payload.capabilities).toEqualTypeOf<Capability[]>();
    expectTypeOf(nomad.payload.registration_metadata).toEqualTypeOf<RegistrationMetadata>();
  });
});

describe("envelope static types", () => {
  it("are derived from the TypeBox definitions", () => {
    expectTypeOf<RegistrationMetadata>().toEqualTypeOf<{
      module_name: string;
      module_version: string;
      registered_at: string;
    }>();
    expectTypeOf<Capability["input_schema"]["type"]>().toEqualTypeOf<"object">();
    expectTypeOf<Capability["action"]>().toEqualTypeOf<string>();
  });
});
