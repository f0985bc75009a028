import { eventOf } from "@rune/mrs-core";
import type { FastifyInstance } from "fastify";
import { compactedError } from "../events.js";
import { MAX_CHANGES_PAGE } from "../options.js";
import { storeCall } from "../request-body.js";
import { ChangesCompacted, ChangesPage, ChangesQuery } from "../schemas.js";
import { type RouteContext, typed } from "./context.js";

/** A page of `GET /v1/changes` stops past this many bytes of changes (with at least one): a module's payload may be 1 MiB. */
export const MAX_CHANGES_PAGE_BYTES = 4 * 1024 * 1024;

/** `GET /v1/changes`: the change feed as JSON pages (RULES.md R2, R3), for readers that poll. */
export async function changeRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);

  api.get(
    "/v1/changes",
    {
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["session"],
        operationId: "listChanges",
        summary:
          "The changes after revision `since`, oldest first, as the events of /v1/events: `next` is the `since` of the next page (R2); 410 REVISION_COMPACTED past what the store keeps (R3)",
        security: ctx.security("read"),
        querystring: ChangesQuery,
        response: { 200: ChangesPage, 410: ChangesCompacted, ...ctx.readErrors(400) },
      },
    },
    async (request, reply) => {
      const since = request.query.since ?? 0;
      const limit = Math.min(request.query.limit ?? MAX_CHANGES_PAGE, MAX_CHANGES_PAGE);
      const page = await storeCall(() => ctx.registry.changes(since, limit));
      if (!page.ok) {
        return reply.code(410).send({ errors: [compactedError(since, page.oldest)], oldest: page.oldest });
      }
      // Serialised change by change, so that a page stops at its byte budget.
      const parts: string[] = [];
      let bytes = 0;
      let next = since;
      for (const change of page.changes) {
        if (change.revision <= next) continue;
        if (parts.length > 0 && bytes >= MAX_CHANGES_PAGE_BYTES) break;
        const json = JSON.stringify(eventOf(change));
        parts.push(json);
        bytes += json.length;
        next = change.revision;
      }
      const body = `{"changes":[${parts.join(",")}],"next":${next},"revision":${page.revision}}`;
      // Already JSON: fastify sends a string with a JSON content type as it is.
      return reply.type("application/json; charset=utf-8").send(body as never);
    },
  );
}
