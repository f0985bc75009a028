import type { FastifyInstance } from "fastify";
import Type from "typebox";
import { MAX_BODY_BYTES } from "../options.js";
import { jsonBody } from "../request-body.js";
import { ActionView, CapabilityView, List, ModuleView, ValidateAnswer, ValidateBody } from "../schemas.js";
import { fail } from "../status.js";
import { actionView, capabilityView, moduleView } from "../views.js";
import { type RouteContext, typed } from "./context.js";

/** The catalog: modules, capabilities (S8), validation of inputs and outputs (I1, I2), `GET /v1/actions`. */
export async function catalogRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);

  api.get(
    "/v1/modules",
    {
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "listModules",
        summary: "Every module held in the current session, by name",
        security: ctx.security("read"),
        response: { 200: Type.Object({ modules: List(ModuleView) }), ...ctx.readErrors() },
      },
    },
    async () => ({
      modules: ctx.registry
        .modules()
        .map((m) => moduleView(m, ctx.registry.lease(m.payload.registration_metadata.module_name))),
    }),
  );

  api.get(
    "/v1/modules/:name",
    {
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "getModule",
        summary: "The module held under a name (superseded versions are in /v1/decisions)",
        security: ctx.security("read"),
        params: Type.Object({ name: Type.String() }),
        response: { 200: ModuleView, ...ctx.readErrors(404) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const record = ctx.registry.module(name);
      if (record === undefined) {
        fail("UNKNOWN_MODULE", "", `no module named ${name} is held in this session`, {
          hint: `GET /v1/decisions?module=${encodeURIComponent(name)} says what happened to it`,
        });
      }
      return moduleView(record, ctx.registry.lease(name));
    },
  );

  api.get(
    "/v1/capabilities",
    {
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "listCapabilities",
        summary: "Every capability with its module/action address (S8)",
        security: ctx.security("read"),
        response: { 200: Type.Object({ capabilities: List(CapabilityView) }), ...ctx.readErrors() },
      },
    },
    async () => ({ capabilities: ctx.registry.capabilities().map(capabilityView) }),
  );

  // `{action}` is a bare action or `module/action`, its slash sent as is or as %2F (find-my-way
  // decodes %2F inside one parameter): two routes cover the three forms.
  const capabilityDoc = (operationId: string) => ({
    tags: ["catalog"],
    operationId,
    summary: "One capability with both schemas (404 UNKNOWN_ACTION, 409 AMBIGUOUS_ACTION with candidates)",
    security: ctx.security("read"),
    response: { 200: CapabilityView, ...ctx.readErrors(404, 409) },
  });
  api.get(
    "/v1/capabilities/:action",
    {
      onRequest: ctx.guard("read"),
      schema: { ...capabilityDoc("getCapability"), params: Type.Object({ action: Type.String() }) },
    },
    async (request) => capabilityView(ctx.resolve(request.params.action)),
  );
  api.get(
    "/v1/capabilities/:module/:action",
    {
      onRequest: ctx.guard("read"),
      schema: {
        ...capabilityDoc("getModuleCapability"),
        params: Type.Object({ module: Type.String(), action: Type.String() }),
      },
    },
    async (request) => capabilityView(ctx.resolve(`${request.params.module}/${request.params.action}`)),
  );

  const validateDoc = (operationId: string) => ({
    tags: ["catalog"],
    operationId,
    summary: "Validate an input or an output against the capability's schema (I1, I2)",
    security: ctx.security("read"),
    body: ValidateBody,
    response: { 200: ValidateAnswer, ...ctx.readErrors(400, 404, 409, 413, 415) },
  });
  const validate = (ref: string, body: { input?: unknown; output?: unknown }) => {
    const hasInput = Object.hasOwn(body, "input");
    if (hasInput === Object.hasOwn(body, "output")) {
      fail("INVALID_REQUEST", "", 'send exactly one of {"input": ...} or {"output": ...}');
    }
    const { address } = ctx.resolve(ref);
    const check = hasInput
      ? ctx.registry.validateInput(address, body.input)
      : ctx.registry.validateOutput(address, body.output);
    return check.valid ? { valid: true } : { valid: false, errors: [...check.errors] };
  };
  api.post(
    "/v1/capabilities/:action/validate",
    {
      onRequest: ctx.guard("read"),
      preValidation: jsonBody,
      bodyLimit: MAX_BODY_BYTES,
      schema: { ...validateDoc("validate"), params: Type.Object({ action: Type.String() }) },
    },
    async (request) => validate(request.params.action, request.body),
  );
  api.post(
    "/v1/capabilities/:module/:action/validate",
    {
      onRequest: ctx.guard("read"),
      preValidation: jsonBody,
      bodyLimit: MAX_BODY_BYTES,
      schema: {
        ...validateDoc("validateModuleCapability"),
        params: Type.Object({ module: Type.String(), action: Type.String() }),
      },
    },
    async (request) => validate(`${request.params.module}/${request.params.action}`, request.body),
  );

  api.get(
    "/v1/actions",
    {
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "listActions",
        summary: "The actions in the shape of RUNE's GET /v1/actions",
        security: ctx.security("read"),
        response: { 200: List(ActionView), ...ctx.readErrors() },
      },
    },
    async () => ctx.registry.capabilities().map(actionView),
  );
}
