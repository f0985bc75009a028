import { declaredMetadata, parseRegistration, type RegistrationInput } from "@rune/mrs-core";
import type { FastifyInstance } from "fastify";
import Type from "typebox";
import { mayRegister } from "../auth.js";
import { MAX_BODY_BYTES } from "../options.js";
import { ErrorBody, RegistrationAnswer, RegistrationBodyDoc, RegistrationRejection } from "../schemas.js";
import { fail, statusOf } from "../status.js";
import { leaseView } from "../views.js";
import { type RouteContext, typed } from "./context.js";

/** `POST /v1/registrations` (RULES.md S1-S11, A1-A3). */
export async function registrationRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);

  api.post(
    "/v1/registrations",
    {
      onRequest: ctx.guard("write"),
      bodyLimit: MAX_BODY_BYTES,
      // The body is the payload's raw bytes, judged by the core, and so is `?lease` (INVALID_LEASE,
      // a recorded decision): their schemas are shown in the docs only.
      config: {
        swaggerTransform: ({ schema, url }) => ({
          schema: { ...schema, body: RegistrationBodyDoc, querystring: LeaseQueryDoc },
          url,
        }),
      },
      schema: {
        tags: ["registrations"],
        operationId: "register",
        summary: "Register one module payload (RULES.md S1-S11, A1-A3)",
        security: ctx.security("write"),
        response: {
          201: { ...RegistrationAnswer, description: "accepted: a name new in the session (S2)" },
          200: { ...RegistrationAnswer, description: "upgraded: a higher version replaced the one held (S3)" },
          400: refusal(
            "INVALID_JSON (the body is not JSON) or INVALID_LEASE (`?lease` is no positive whole number, L1)",
          ),
          401: { ...ErrorBody, description: "UNAUTHORIZED: no valid bearer token (A1)" },
          403: { ...ErrorBody, description: "FORBIDDEN_MODULE: the token may not register this name (A2)" },
          409: {
            ...RegistrationRejection,
            description: "DUPLICATE_REGISTRATION (S5, with `identical`) or VERSION_SUPERSEDED (S4)",
          },
          413: { ...ErrorBody, description: "PAYLOAD_TOO_LARGE: more than 1 MiB (E11)" },
          415: { ...ErrorBody, description: "UNSUPPORTED_MEDIA_TYPE: the body is not application/json" },
          422: { ...RegistrationRejection, description: "the payload is invalid: every fault with its rule (E*)" },
          503: refusal("STORE_UNAVAILABLE: nothing was recorded (S11), or the LOM is not ready yet"),
        },
      },
    },
    async (request, reply) => {
      const grant = ctx.grantOf(request);
      const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let input: RegistrationInput = { text: bytes };
      if (!grant.every) {
        // A2: the name is checked on the very value that is registered, so no parser
        // difference (duplicate keys, ...) can slip another name past the check.
        // The bytes are no more than the payload limit (the route's bodyLimit), as core parses them.
        const parsed = parseRegistration(bytes);
        if (parsed.ok) {
          const name = declaredMetadata(parsed.value, "module_name");
          if (name !== null && !mayRegister(grant, name)) {
            fail(
              "FORBIDDEN_MODULE",
              "/registration_metadata/module_name",
              `this token may not register the module ${name}`,
            );
          }
          input = { payload: parsed.value };
        }
      }
      const lease = leaseAsked(request.query);
      const result = await ctx.registry.register(input, `http:${request.ip}`, lease === undefined ? {} : { lease });
      ctx.metrics.registration("http", result);
      if (result.ok) {
        return reply.code(result.outcome === "accepted" ? 201 : 200).send({
          outcome: result.outcome,
          module: result.module,
          version: result.version,
          ...(result.previousVersion === undefined ? {} : { previousVersion: result.previousVersion }),
          ...(result.lease === undefined ? {} : { lease: leaseView(result.lease) }),
          ...(result.decision.compatibility === undefined ? {} : { compatibility: result.decision.compatibility }),
          sessionId: result.sessionId,
          decisionId: result.decision.id,
          warnings: [...result.warnings],
        });
      }
      const status = statusOf(result.errors);
      return reply.code(status as 400).send({
        errors: [...result.errors],
        outcome: "rejected",
        module: result.module,
        version: result.version,
        sessionId: result.sessionId,
        decisionId: result.decision?.id ?? null,
        warnings: [...result.warnings],
      });
    },
  );
}

/**
 * A status answered with the registry's rejection (the decision recorded, S9) or, for a request
 * refused before it reached the registry (its framing, the host not ready yet), the error body alone.
 */
const refusal = (description: string) => ({ ...Type.Union([RegistrationRejection, ErrorBody]), description });

/** `?lease=SECONDS` of `POST /v1/registrations`, for the documentation (the registry judges the value). */
const LeaseQueryDoc = Type.Object({
  lease: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        "Ask for a lease of this many seconds (L1, clamped to the LOM's bounds): the module lives while heartbeats renew it. Without it: for the session. Anything but a positive whole number is refused (400 INVALID_LEASE).",
    }),
  ),
});

/**
 * The lease a registration asks for (L1): `?lease=SECONDS`. What is not a whole number of seconds
 * reaches the registry as it is, which refuses it with INVALID_LEASE.
 */
function leaseAsked(query: unknown): number | undefined {
  const raw = (query as { lease?: unknown } | undefined)?.lease;
  if (raw === undefined) return undefined;
  return typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
}
