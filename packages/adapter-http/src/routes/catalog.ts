import type { CapabilityEntry } from "@rune/mrs-core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import Type from "typebox";
import { MAX_BODY_BYTES } from "../options.js";
import { jsonBody } from "../request-body.js";
import {
  ActionView,
  CapabilityView,
  ConditionalHeaders,
  EtagHeader,
  List,
  ModuleView,
  ValidateAnswer,
  ValidateBody,
} from "../schemas.js";
import { fail } from "../status.js";
import { actionView, capabilityView, moduleView } from "../views.js";
import { type RouteContext, typed } from "./context.js";

/** The catalog: modules, capabilities (S8), validation of inputs and outputs (I1, I2), `GET /v1/actions`. */
export async function catalogRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);
  /** The `ETag` of the catalog's revision now (R4); weak on module reads (see {@link EtagHeader}). */
  const tagNow = (weak: boolean) => `${weak ? "W/" : ""}"r${ctx.registry.revision}"`;

  api.get(
    "/v1/modules",
    {
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "listModules",
        summary: "Every module held in the current session, by name",
        security: ctx.security("read"),
        headers: ConditionalHeaders,
        response: {
          200: withEtag(Type.Object({ modules: List(ModuleView) })),
          304: NotModified,
          ...ctx.readErrors(),
        },
      },
    },
    async (request, reply) =>
      conditional(request, reply, tagNow(true)) ?? {
        modules: ctx.registry
          .modules()
          .map((m) => moduleView(m, ctx.registry.lease(m.payload.registration_metadata.module_name))),
      },
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
        headers: ConditionalHeaders,
        response: { 200: withEtag(ModuleView), 304: NotModified, ...ctx.readErrors(400, 404) },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const record = ctx.registry.module(name);
      if (record === undefined) {
        fail("UNKNOWN_MODULE", "", `no module named ${name} is held in this session`, {
          hint: `GET /v1/decisions?module=${encodeURIComponent(name)} says what happened to it`,
        });
      }
      return conditional(request, reply, tagNow(true)) ?? moduleView(record, ctx.registry.lease(name));
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
        headers: ConditionalHeaders,
        response: {
          200: withEtag(Type.Object({ capabilities: List(CapabilityView) })),
          304: NotModified,
          ...ctx.readErrors(),
        },
      },
    },
    async (request, reply) =>
      conditional(request, reply, tagNow(false)) ?? {
        capabilities: ctx.registry.capabilities().map(capabilityView),
      },
  );

  // `{action}` is a bare action or `module/action`, its slash sent as is or as %2F (find-my-way
  // decodes %2F inside one parameter): two routes cover the three forms.
  const capabilityDoc = (operationId: string) => ({
    tags: ["catalog"],
    operationId,
    summary:
      "One capability with both schemas (404 UNKNOWN_ACTION, 409 AMBIGUOUS_ACTION with candidates, 410 MODULE_EXPIRED)",
    security: ctx.security("read"),
    headers: ConditionalHeaders,
    response: { 200: withEtag(CapabilityView), 304: NotModified, ...ctx.readErrors(400, 404, 409, 410) },
  });
  // An entry is a snapshot: the catalog makes a new one whenever what it says changes. Its answer
  // is serialised once, then sent as bytes to every reader until then.
  const bodies = new WeakMap<CapabilityEntry, Buffer>();
  const capability = (request: FastifyRequest, reply: FastifyReply, ref: string) => {
    const entry = ctx.resolve(ref);
    const unchanged = conditional(request, reply, tagNow(false));
    if (unchanged !== undefined) return unchanged;
    let body = bodies.get(entry);
    if (body === undefined) {
      body = Buffer.from(JSON.stringify(capabilityView(entry)));
      bodies.set(entry, body);
    }
    return reply.type("application/json; charset=utf-8").send(body as never);
  };
  api.get(
    "/v1/capabilities/:action",
    {
      onRequest: ctx.guard("read"),
      schema: { ...capabilityDoc("getCapability"), params: Type.Object({ action: Type.String() }) },
    },
    async (request, reply) => capability(request, reply, request.params.action),
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
    async (request, reply) => capability(request, reply, `${request.params.module}/${request.params.action}`),
  );

  const validateDoc = (operationId: string) => ({
    tags: ["catalog"],
    operationId,
    summary: "Validate an input or an output against the capability's schema (I1, I2)",
    security: ctx.security("read"),
    body: ValidateBody,
    response: { 200: ValidateAnswer, ...ctx.readErrors(400, 404, 409, 410, 413, 415) },
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
        headers: ConditionalHeaders,
        response: { 200: withEtag(List(ActionView)), 304: NotModified, ...ctx.readErrors() },
      },
    },
    async (request, reply) => conditional(request, reply, tagNow(false)) ?? ctx.registry.capabilities().map(actionView),
  );
}

/** The `304` of a conditional catalog read: no body. */
const NotModified = {
  type: "null",
  description: "Not Modified: `If-None-Match` named the revision the catalog is still at (R4). No body.",
  headers: EtagHeader,
} as const;

/** A `200` answer's schema with the `ETag` header documented. */
function withEtag<T extends object>(schema: T): T & { headers: typeof EtagHeader } {
  return { ...schema, headers: EtagHeader };
}

/**
 * R4: sets `ETag` (and `Cache-Control: no-cache`: keep it, ask again) and, when `If-None-Match`
 * names it (weak comparison, RFC 9110 13.1.2: `W/` is ignored; `*` matches any), answers `304`
 * with no body. Returns `undefined` when the body should be sent.
 */
function conditional(request: FastifyRequest, reply: FastifyReply, tag: string): FastifyReply | undefined {
  reply.header("etag", tag).header("cache-control", "no-cache");
  const asked = request.headers["if-none-match"];
  if (asked === undefined) return undefined;
  const opaque = (value: string) => value.trim().replace(/^W\//, "");
  const current = opaque(tag);
  const matches = asked.split(",").some((candidate) => candidate.trim() === "*" || opaque(candidate) === current);
  return matches ? reply.code(304).send() : undefined;
}
