import type { FastifyInstance } from "fastify";
import Type from "typebox";
import { type Grant, mayRegister } from "../auth.js";
import { jsonBody } from "../request-body.js";
import { DecisionView, ErrorBody, LeaseView } from "../schemas.js";
import { fail, HttpFailure } from "../status.js";
import { leaseView } from "../views.js";
import { type RouteContext, typed } from "./context.js";

/** The body of a heartbeat: optionally the version the module heartbeats as (L2). */
const HeartbeatBody = Type.Union([
  Type.Object({ module_version: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
  Type.Null(),
]);

/** Liveness (RULES.md L2, L4, L7): heartbeats renew a module's lease; deregistration takes it out at once. */
export async function livenessRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);
  /** L7: acting on a module needs a token granted its name, as registering does (A1, A2). */
  const mayActOn = (grant: Grant, name: string) => {
    if (!mayRegister(grant, name)) fail("FORBIDDEN_MODULE", "", `this token may not act on the module ${name}`);
  };

  api.post(
    "/v1/modules/:name/heartbeat",
    {
      onRequest: ctx.guard("write"),
      preValidation: jsonBody,
      bodyLimit: 64 * 1024,
      schema: {
        tags: ["liveness"],
        operationId: "heartbeat",
        summary:
          "Renew the module's lease for its full length (L2); an expired module in its grace period is live again (L3)",
        security: ctx.security("write"),
        params: Type.Object({ name: Type.String() }),
        body: Type.Optional(HeartbeatBody),
        response: {
          200: Type.Object({
            module: Type.String(),
            version: Type.String(),
            expires_at: Type.String({ description: "The new expiry, ISO 8601 UTC." }),
            lease: LeaseView,
          }),
          400: { ...ErrorBody, description: "INVALID_JSON, or INVALID_REQUEST: a body other than `{module_version?}`" },
          401: ErrorBody,
          403: ErrorBody,
          404: { ...ErrorBody, description: "UNKNOWN_MODULE: no module of this name is held" },
          409: { ...ErrorBody, description: "VERSION_SUPERSEDED (another version is held) or NO_LEASE" },
          413: { ...ErrorBody, description: "PAYLOAD_TOO_LARGE: a body over 64 KiB" },
          415: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      mayActOn(ctx.grantOf(request), name);
      const version = request.body?.module_version;
      const result = await ctx.registry.heartbeat(name, {
        ...(version === undefined ? {} : { version }),
        source: `http:${request.ip}`,
      });
      if (!result.ok) throw new HttpFailure(result.errors);
      return {
        module: result.module,
        version: result.version,
        expires_at: result.lease.expiresAt,
        lease: leaseView(result.lease),
      };
    },
  );

  api.delete(
    "/v1/modules/:name",
    {
      onRequest: ctx.guard("write"),
      schema: {
        tags: ["liveness"],
        operationId: "deregister",
        summary: "Deregister a module at once (L4): a recorded decision, and an event",
        security: ctx.security("write"),
        params: Type.Object({ name: Type.String() }),
        response: {
          200: Type.Object({ decision: DecisionView }),
          // A body is not read, but one of another media type, over 1 MiB or short of its length is refused.
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: { ...ErrorBody, description: "UNKNOWN_MODULE: no module of this name is held" },
          413: ErrorBody,
          415: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      mayActOn(ctx.grantOf(request), name);
      const result = await ctx.registry.deregister(name, { source: `http:${request.ip}` });
      if (!result.ok) throw new HttpFailure(result.errors);
      return { decision: result.decision };
    },
  );
}
