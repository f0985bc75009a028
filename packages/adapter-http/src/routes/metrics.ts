import type { FastifyInstance } from "fastify";
import Type from "typebox";
import type { MrsMetrics } from "../metrics.js";
import { type RouteContext, typed } from "./context.js";

/** `GET /metrics`: the LOM's series in the Prometheus text format, open or closed like the other reads. */
export async function metricsRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);

  api.get(
    "/metrics",
    {
      // Scraped every few seconds: logged only when something goes wrong (as /healthz).
      logLevel: "warn",
      onRequest: ctx.guard("read"),
      schema: {
        tags: ["operations"],
        operationId: "metrics",
        summary:
          "The LOM's Prometheus series: registrations by outcome, modules by state, requests by route and status with durations, store commit durations, event stream clients",
        security: ctx.security("read"),
        response: {
          200: {
            description: "The Prometheus text format 0.0.4 (every series is listed in the README)",
            content: { "text/plain": { schema: Type.String() } },
          },
          ...ctx.readErrors(),
        },
      },
    },
    async (_request, reply) => {
      const text = await ctx.metrics.text();
      return reply.type(ctx.metrics.contentType).send(text);
    },
  );
}

/**
 * Times every answer of `host` into `mrs_http_request_duration_seconds`: the API's routes and
 * the host's own (the dashboard, 404s), labelled by the route's pattern (`/v1/modules/:name`,
 * never the raw URL, so that the number of series stays bounded) or `unmatched`.
 */
export function countRequests(host: FastifyInstance, metrics: MrsMetrics): void {
  // A callback hook, not an async one: no promise per request for a synchronous count.
  host.addHook("onResponse", (request, reply, done) => {
    metrics.request(
      request.method,
      request.routeOptions.url ?? "unmatched",
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}
