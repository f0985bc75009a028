import type { FastifyInstance } from "fastify";
import Type from "typebox";
import { EventsHeaders, EventsQuery } from "../schemas.js";
import { fail } from "../status.js";
import { type RouteContext, typed } from "./context.js";

/** `GET /v1/events`: server-sent events of every change, resumable by revision (RULES.md R2, R3). */
export async function eventRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);
  const { registry } = ctx;
  const feed = {
    subscribe: registry.subscribe.bind(registry),
    revision: () => registry.revision,
    changes: (since: number, limit: number) => registry.changes(since, limit),
  };

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
          "Server-sent events: every change as it happens, `id:` its revision; with `Last-Event-ID` or `since`, the changes after that revision first (R2, R3)",
        security: ctx.security("read"),
        querystring: EventsQuery,
        headers: EventsHeaders,
        response: {
          200: {
            description: [
              'Each change is `id: REVISION` and `data: {"type":"decision","revision":N,"decision":...}`,',
              '`{"type":"session","revision":N,"session":...}` or `{"type":"module","revision":N,"module":NAME,"action":"put"|"removed"|"expired"|"live","record"?:...}`,',
              "one per change, in revision order. The stream opens with `retry: 2000` and `id:` the revision it starts from;",
              "`: keep-alive` comments keep it open. It ends with a last event when it cannot go on:",
              '`event: compacted` (`{"type":"compacted","since","oldest","errors"}`: the changes after `since` are no longer kept, R3: read the catalog again),',
              '`event: reset` (`{"type":"reset","since","revision"}`: the store is older than `since`: read the catalog again),',
              '`event: overflow` (`{"type":"overflow","revision","bufferedBytes"}`: the client stopped reading; reconnect with Last-Event-ID).',
            ].join(" "),
            content: { "text/event-stream": { schema: Type.String() } },
          },
          ...ctx.readErrors(400),
        },
      },
    },
    (request, reply) => {
      const since = resumeFrom(request.headers["last-event-id"], request.query.since);
      ctx.streams.serve(request, reply, feed, since);
    },
  );
}

/** Where a stream starts: after `Last-Event-ID` (what EventSource sends when it reconnects), else after `since`. */
function resumeFrom(lastEventId: string | undefined, since: number | undefined): number | undefined {
  if (lastEventId === undefined || lastEventId.trim() === "") return since;
  const id = lastEventId.trim();
  if (!/^\d{1,15}$/.test(id)) {
    fail(
      "INVALID_REQUEST",
      "",
      `Last-Event-ID must be a revision this API sent (a whole number), not ${JSON.stringify(id.slice(0, 40))}`,
    );
  }
  return Number(id);
}
