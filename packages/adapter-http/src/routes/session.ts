import type { FastifyInstance } from "fastify";
import { MAX_DECISIONS_PAGE } from "../options.js";
import { storeCall } from "../request-body.js";
import { DecisionPage, DecisionsQuery, ErrorBody, SessionView } from "../schemas.js";
import { type RouteContext, typed } from "./context.js";

/** The session: decisions a page at a time (S9), the session and its refresh (S10). */
export async function sessionRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);

  api.get(
    "/v1/decisions",
    {
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["session"],
        operationId: "listDecisions",
        summary:
          "The session's recorded decisions (S9), a page at a time: the newest `limit` older than `before`, oldest first, optionally for one module name",
        security: ctx.security("read"),
        querystring: DecisionsQuery,
        response: { 200: DecisionPage, ...ctx.readErrors(400) },
      },
    },
    async (request) => {
      const { module, before } = request.query;
      const limit = Math.min(request.query.limit ?? MAX_DECISIONS_PAGE, MAX_DECISIONS_PAGE);
      // One more than asked for says whether an older page follows.
      const found = ctx.registry.decisions({
        ...(module === undefined ? {} : { module }),
        ...(before === undefined ? {} : { before }),
        limit: limit + 1,
      });
      if (found.length <= limit) return { decisions: [...found] };
      const decisions = found.slice(1);
      return { decisions, next: (decisions[0] as { id: string }).id };
    },
  );

  // ---- the session ----

  api.get(
    "/v1/session",
    {
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["session"],
        operationId: "getSession",
        summary: "The current session: id, start and counts",
        security: ctx.security("read"),
        response: { 200: SessionView, ...ctx.readErrors() },
      },
    },
    async () => ctx.registry.session(),
  );

  api.post(
    "/v1/session/refresh",
    {
      onRequest: ctx.guard("every"),
      bodyLimit: 64 * 1024,
      schema: {
        tags: ["session"],
        operationId: "refreshSession",
        summary: "Start a new session: re-discover from the sources and swap the catalog in at once (S10)",
        security: ctx.security("every"),
        // A body is not read, but one of another media type, over 64 KiB or short of its length is refused.
        response: {
          200: SessionView,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async () => {
      ctx.metrics.discovery(await storeCall(() => ctx.registry.refresh()));
      return ctx.registry.session();
    },
  );
}
