import type { RegistryEvent } from "@rune/mrs-core";
import type { FastifyInstance } from "fastify";
import Type from "typebox";
import { ErrorBody } from "../schemas.js";
import { type RouteContext, typed } from "./context.js";

/** `GET /v1/events`: server-sent events of the catalog's changes. */
export async function eventRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);

  api.get(
    "/v1/events",
    {
      onRequest: ctx.guard("read"),
      // A HEAD would run the streaming handler and never end.
      exposeHeadRoute: false,
      schema: {
        tags: ["session"],
        operationId: "events",
        summary:
          "Server-sent events: one `data:` JSON line per decision or session change, as it happens, with its revision (R1)",
        security: ctx.security("read"),
        response: {
          200: {
            description:
              'Each event is `data: {"type":"decision","revision":N,"decision":...}`, `{"type":"session","revision":N,"session":...}`, or, after a commit through `/v1/store/commit`, `{"type":"store","revision":N}`',
            content: { "text/event-stream": { schema: Type.String() } },
          },
          ...(ctx.readOpen ? {} : { 401: ErrorBody }),
        },
      },
    },
    (request, reply) => {
      ctx.streams.serve(request, reply, (send) => {
        // The stream keeps its shape (decisions and sessions, now with their revision) until the
        // resumable change feed (R2); module events carry whole records and stay off it.
        const unsubscribe = ctx.registry.subscribe((event: RegistryEvent) => {
          if (event.type === "decision" || event.type === "session") send(event);
        });
        ctx.storeListeners.add(send);
        return () => {
          unsubscribe();
          ctx.storeListeners.delete(send);
        };
      });
    },
  );
}
