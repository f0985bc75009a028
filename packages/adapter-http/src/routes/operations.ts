import { mrsError } from "@rune/mrs-core";
import type { FastifyInstance } from "fastify";
import { healthProbe } from "../health.js";
import { ErrorBody, HealthAnswer } from "../schemas.js";
import { type RouteContext, typed } from "./context.js";

/** Operations: `GET /healthz`, `GET /openapi.json`. */
export async function operationRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);

  const ready = healthProbe(ctx.registry);

  api.get(
    "/healthz",
    {
      // Probes ask every few seconds (and every few milliseconds while a LOM starts): their
      // requests are logged only when something goes wrong, not as two lines each.
      logLevel: "warn",
      schema: {
        tags: ["operations"],
        operationId: "health",
        summary: "200 once the registry is ready (session open, discovery run, store reachable), else 503",
        // Open whatever `read` says: probes carry no token.
        security: [],
        response: { 200: HealthAnswer, 503: ErrorBody },
      },
    },
    async (_request, reply) => {
      const waiting = ctx.options.startup?.() ?? null;
      if (waiting !== null) {
        // The host listens while it starts: say what it waits for, so a probe (and a person
        // looking at a LOM that hangs on a module URL) can tell starting from stuck.
        return reply.code(503).send({
          errors: [mrsError("STORE_UNAVAILABLE", "", `not ready: ${waiting}`, { hint: "retry shortly" })],
        });
      }
      if (await ready()) return { ready: true as const, session: ctx.registry.session().id };
      return reply.code(503).send({
        errors: [
          mrsError("STORE_UNAVAILABLE", "", "not ready: the registry is starting, or its store does not answer", {
            hint: "retry shortly; see the LOM's log",
          }),
        ],
      });
    },
  );

  api.get("/openapi.json", { schema: { hide: true } }, async () =>
    (scope as unknown as { mrsOpenApi(): unknown }).mrsOpenApi(),
  );
}
