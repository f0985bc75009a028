import type { Static, TSchema, TUnsafe } from "typebox";
import { Compile } from "typebox/compile";
import { type Capability, RegistrationPayload } from "./envelope.js";
import { escapePointerToken } from "./json-pointer.js";
import { ModuleDefinitionError, type ModuleDefinitionIssue } from "./module-definition-error.js";
import { toPlainJson } from "./plain-json.js";
import { capabilitySchemaIssues } from "./schema-portability.js";

/**
 * A TypeBox schema whose root is an object, as RULES.md E9 requires of `input_schema` and
 * `output_schema`: `Type.Object(...)`, `Type.Record(...)`, or `Type.Unsafe<T>({ type: "object", ... })`
 * for a hand-written JSON Schema (the root `type` of that one is checked when the module is defined).
 */
export type ObjectSchema = (TSchema & { readonly type: "object" }) | TUnsafe<object>;

/** Vendor extension members (RULES.md E2): kept, stored and returned by the LOM, never interpreted. */
export type Extensions = { readonly [member: `x-${string}`]: unknown };

/** One action as a module author declares it: what it does, and TypeBox schemas of its input and output. */
export interface ActionDefinition<
  Input extends ObjectSchema = ObjectSchema,
  Output extends ObjectSchema = ObjectSchema,
> {
  /** What the action does: 1 to 4,096 characters (E8). */
  readonly description: string;
  /** The action's input; becomes the capability's `input_schema`. */
  readonly input: Input;
  /** The action's output; becomes the capability's `output_schema`. */
  readonly output: Output;
  /** `x-` members to add to this capability. */
  readonly extensions?: Extensions;
}

/** The actions of a module, by action name (E7: the name form of E3; object keys are unique by nature). */
export type ActionDefinitions = { readonly [action: string]: ActionDefinition };

/** What {@link defineModule} takes. */
export interface ModuleDefinition<Actions extends ActionDefinitions = ActionDefinitions> {
  /** `module_name` (E3): lowercase, e.g. `"restart-nomad"`. */
  readonly name: string;
  /** `module_version` (E4): strict SemVer 2.0.0, e.g. `"1.0.0"`. */
  readonly version: string;
  /** `registered_at` (E5). A `Date`, or an RFC 3339 UTC string ending in `Z`. Default: now. */
  readonly registeredAt?: Date | string;
  /** The module's actions, by name: at least one, at most 256 (E6). */
  readonly capabilities: Actions;
  /** `x-` members to add at the top level of the payload. */
  readonly extensions?: Extensions;
}

/** The input a handler of action `A` receives: the static type of its input schema. */
export type ActionInput<A extends ActionDefinition> = Static<A["input"]>;
/** The output a handler of action `A` returns: the static type of its output schema. */
export type ActionOutput<A extends ActionDefinition> = Static<A["output"]>;
/** A function that performs action `A`. */
export type ActionHandler<A extends ActionDefinition> = (
  input: ActionInput<A>,
) => ActionOutput<A> | Promise<ActionOutput<A>>;
/** One handler per action of a module. */
export type ModuleHandlers<Actions extends ActionDefinitions> = { [K in keyof Actions]: ActionHandler<Actions[K]> };

/** What {@link defineModule} returns. */
export interface DefinedModule<Actions extends ActionDefinitions = ActionDefinitions> {
  /** `module_name`. */
  readonly name: string;
  /** `module_version`. */
  readonly version: string;
  /** The registration payload: plain JSON, valid against the envelope, ready to send to a LOM. */
  readonly payload: RegistrationPayload;
  /** The action definitions as given (TypeBox schemas), for typing handlers and for local checks. */
  readonly capabilities: Actions;
  /**
   * Returns `handlers` unchanged, typed so that each handler's input and output follow from its
   * action's schemas. Throws a `TypeError` if an action has no handler or a handler no action.
   */
  implement(handlers: ModuleHandlers<Actions>): ModuleHandlers<Actions>;
}

/**
 * Builds a module's registration payload from TypeBox schemas, checks it, and types its handlers.
 *
 * The payload is plain JSON (TypeBox's own `~kind` keys are dropped) with `registered_at` filled
 * in. It is checked against the envelope (E1-E8) and each capability schema against the JSON
 * Schema meta-schema (E9) and for local references only (E10); schemas that would lose meaning
 * in JSON (`Type.Refine`, codecs) are refused. The LOM's `validateRegistration` (`@rune/mrs-core`)
 * remains the full check, including the limits of E11.
 *
 * @throws {@link ModuleDefinitionError} listing every fault, when the payload is not valid.
 *
 * @example
 * ```ts
 * import Type from "typebox";
 * import { defineModule } from "@rune/mrs-schema";
 *
 * const nomad = defineModule({
 *   name: "restart-nomad",
 *   version: "1.0.0",
 *   capabilities: {
 *     "restart-nomad": {
 *       description: "Restarts Nomad systemd unit",
 *       input: Type.Object({}),
 *       output: Type.Object({ result: Type.String() }),
 *     },
 *   },
 * });
 *
 * const handlers = nomad.implement({
 *   "restart-nomad": async () => ({ result: "restarted" }), // input: {}, output: { result: string }
 * });
 * await fetch("http://127.0.0.1:7420/v1/registrations", {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${process.env.LOM_TOKEN}`, "content-type": "application/json" },
 *   body: JSON.stringify(nomad.payload),
 * });
 * ```
 */
export function defineModule<Actions extends ActionDefinitions>(
  definition: ModuleDefinition<Actions>,
): DefinedModule<Actions> {
  const issues: ModuleDefinitionIssue[] = [];
  const registeredAt = timestamp(definition.registeredAt, issues);
  const entries = Object.entries(definition.capabilities);
  const capabilities = entries.map(
    ([action, { description, input, output, extensions }], index): Capability => ({
      action,
      description,
      input_schema: plainSchema(input),
      output_schema: plainSchema(output),
      ...extensionMembers(extensions, `/capabilities/${index}`, issues),
    }),
  );
  const payload: RegistrationPayload = {
    registration_metadata: {
      module_name: definition.name,
      module_version: definition.version,
      registered_at: registeredAt,
    },
    capabilities,
    ...extensionMembers(definition.extensions, "", issues),
  };

  // A fault already named above (an invalid Date) is not repeated by the envelope.
  const named = new Set(issues.map((issue) => issue.pointer));
  issues.push(...envelopeIssues(payload).filter((issue) => !named.has(issue.pointer)));
  entries.forEach(([action, { input, output }], index) => {
    issues.push(...capabilitySchemaIssues(input, `/capabilities/${index}/input_schema`, `input of "${action}"`));
    issues.push(...capabilitySchemaIssues(output, `/capabilities/${index}/output_schema`, `output of "${action}"`));
  });
  if (issues.length > 0) throw new ModuleDefinitionError(definition.name, issues);

  const actionNames = entries.map(([action]) => action);
  return {
    name: definition.name,
    version: definition.version,
    payload,
    capabilities: definition.capabilities,
    implement(handlers) {
      checkHandlers(definition.name, actionNames, handlers);
      return handlers;
    },
  };
}

/** The schema as plain JSON; one that cannot be serialized is reported by `capabilitySchemaIssues`. */
function plainSchema(schema: ObjectSchema): Capability["input_schema"] {
  try {
    return toPlainJson(schema) as Capability["input_schema"];
  } catch {
    return { type: "object" };
  }
}

/** E2: only `x-` members are extensions; any other name would overwrite or add to the envelope. */
function extensionMembers(
  extensions: Extensions | undefined,
  pointer: string,
  issues: ModuleDefinitionIssue[],
): Record<string, unknown> {
  const members: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extensions ?? {})) {
    if (key.startsWith("x-")) members[key] = toPlainJson(value);
    else
      issues.push({
        rule: "E2",
        pointer: `${pointer}/${escapePointerToken(key)}`,
        message: `extension "${key}" does not start with x-`,
      });
  }
  return members;
}

/** E5: a `Date` becomes its UTC ISO form; a string is kept as given, for the envelope to judge. */
function timestamp(value: Date | string | undefined, issues: ModuleDefinitionIssue[]): string {
  if (typeof value === "string") return value;
  const date = value ?? new Date();
  if (Number.isNaN(date.getTime())) {
    issues.push({
      rule: "E5",
      pointer: "/registration_metadata/registered_at",
      message: "registeredAt is an invalid Date",
    });
    return "";
  }
  return date.toISOString();
}

/** The rule each envelope field belongs to (the deepest field on an error's path decides); else E1. */
const FIELD_RULES: Readonly<Record<string, string>> = {
  module_name: "E3",
  module_version: "E4",
  registered_at: "E5",
  capabilities: "E6",
  action: "E7",
  description: "E8",
  input_schema: "E9",
  output_schema: "E9",
};

/** What each field must be, said once instead of TypeBox's keyword-by-keyword messages (a pattern in full). */
const FIELD_MESSAGES: Readonly<Record<string, string>> = {
  E3: "module name must be 1-64 lowercase letters and digits, words joined by single - or _, starting with a letter",
  E4: 'module version must be a strict SemVer 2.0.0 version such as "1.0.0" (no leading v, no range)',
  E5: 'registered_at must be an RFC 3339 UTC timestamp ending in Z that exists, such as "2025-12-01T00:00:00Z"',
  E6: "a module must declare 1 to 256 capabilities",
  E7: "action name must be 1-64 lowercase letters and digits, words joined by single - or _, starting with a letter",
  E8: "description must be a string of 1 to 4,096 characters",
  E9: 'capability schema root must be a JSON Schema object with "type": "object"',
};

const compileEnvelope = () => Compile(RegistrationPayload);
let envelope: ReturnType<typeof compileEnvelope> | undefined;

/** E1-E9 (root): the payload against the TypeBox envelope (compiled on first use), one issue per faulty value. */
function envelopeIssues(payload: RegistrationPayload): ModuleDefinitionIssue[] {
  envelope ??= compileEnvelope();
  if (envelope.Check(payload)) return [];
  const byPointer = new Map<string, ModuleDefinitionIssue>();
  for (const error of envelope.Errors(payload)) {
    if (error.keyword === "additionalProperties") {
      const members = (error.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      const message = `unknown member ${members.map((name) => JSON.stringify(name)).join(", ")}: only x- extensions may be added`;
      byPointer.set(`${error.instancePath}#E2`, { rule: "E2", pointer: error.instancePath, message });
      continue;
    }
    const missing = error.keyword === "required" ? (error.params as { requiredProperties?: string[] }) : undefined;
    const field = missing
      ? missing.requiredProperties?.[0]
      : error.instancePath.split("/").findLast((segment) => segment in FIELD_RULES);
    const rule = FIELD_RULES[field ?? ""] ?? "E1";
    if (!byPointer.has(error.instancePath)) {
      const message = missing || rule === "E1" ? error.message : (FIELD_MESSAGES[rule] ?? error.message);
      byPointer.set(error.instancePath, { rule, pointer: error.instancePath, message });
    }
  }
  return [...byPointer.values()];
}

/** Every action has a function, and every function an action. */
function checkHandlers(moduleName: string, actionNames: readonly string[], handlers: object): void {
  const missing = actionNames.filter((action) => typeof (handlers as Record<string, unknown>)[action] !== "function");
  const extra = Object.keys(handlers).filter((key) => !actionNames.includes(key));
  if (missing.length === 0 && extra.length === 0) return;
  const faults = [
    ...missing.map((action) => `no handler for action "${action}"`),
    ...extra.map((key) => `handler "${key}" matches no action`),
  ];
  throw new TypeError(`Module ${JSON.stringify(moduleName)}: ${faults.join("; ")}`);
}
