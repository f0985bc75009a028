import swagger from "@fastify/swagger";
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { EventStreams } from "./events.js";
import { mrsMetrics } from "./metrics.js";
import { DEFAULT_EVENT_BUFFER_BYTES, DEFAULT_HEARTBEAT_MS, type MrsHttpApiOptions } from "./options.js";
import { catalogRoutes } from "./routes/catalog.js";
import { changeRoutes } from "./routes/changes.js";
import { routeContext } from "./routes/context.js";
import { eventRoutes } from "./routes/events.js";
import { livenessRoutes } from "./routes/liveness.js";
import { countRequests, metricsRoutes } from "./routes/metrics.js";
import { operationRoutes } from "./routes/operations.js";
import { registrationRoutes } from "./routes/registrations.js";
import { sessionRoutes } from "./routes/session.js";
import { storeRoutes } from "./routes/store.js";
import { InternalErrorBody, RefusedBody, RegistrationBodyDoc, StoreCommitBodyDoc } from "./schemas.js";
import { toAnswer } from "./status.js";
import { validatorCompiler } from "./validator-compiler.js";

/** The part of the generated OpenAPI document that `transformObject` touches. */
interface OpenApiDocument {
  paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
}

/** The JSON media type, for OpenAPI bodies that fastify's default `consumes` would not name. */
const json = "application/json";

/**
 * The MRS HTTP API (INTERFACES.md) as a fastify 5 plugin: registrations, the catalog, decisions,
 * the session, server-sent events, health and `/openapi.json`, all in the MRS error format.
 *
 * Everything it changes (body parser, error handler, validator, the OpenAPI generator) lives in
 * its own encapsulated context, so a host's other routes keep their own settings. The host
 * serves `GET /` (the dashboard) and sets its limits; {@link createMrsServer} does both.
 *
 * Mount it on a server whose `routerOptions.maxParamLength` is at least 130 so that
 * `module/action` references of 64 + 64 characters reach the routes.
 *
 * @example
 * const app = Fastify({ bodyLimit: 1024 * 1024 });
 * await app.register(mrsHttpApi, { registry, tokens: [{ token: process.env.LOM_TOKEN!, modules: ["*"] }] });
 */
export const mrsHttpApi: FastifyPluginAsync<MrsHttpApiOptions> = fp(mount, {
  name: "@rune/mrs-adapter-http",
  fastify: "5.x",
});

async function mount(host: FastifyInstance, options: MrsHttpApiOptions): Promise<void> {
  // A registry of series per API (never prom-client's global one). Requests are timed on the
  // host, so that its own routes (the dashboard) and its 404s count too.
  const metrics = options.metrics ?? mrsMetrics();
  countRequests(host, metrics);
  await host.register(async (api) => routes(api, { ...options, metrics }));
}

async function routes(scope: FastifyInstance, options: MrsHttpApiOptions): Promise<void> {
  const streams = new EventStreams({
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    maxBufferedBytes: options.eventBufferBytes ?? DEFAULT_EVENT_BUFFER_BYTES,
  });
  const metrics = options.metrics ?? mrsMetrics();
  metrics.watch({ registry: options.registry, eventStreamClients: () => streams.size });
  const ctx = routeContext(options, streams, metrics);

  // Our own checks, in TypeBox (the repo's one validator): no body coercion, no properties
  // silently removed, as fastify's default Ajv settings would do.
  scope.setValidatorCompiler(validatorCompiler);
  // Answers are serialised as they are: payloads carry x- extensions and arbitrary JSON Schemas
  // (E2: returned as registered) that a schema-driven serialiser would drop or reject.
  scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
  scope.setErrorHandler(mrsErrorHandler);

  // fastify's JSON parser (secure-json-parse) rejects `__proto__` keys, which RULES.md E12
  // calls data. Bodies are kept as raw bytes: the core parses payloads itself (E1, E11, E12),
  // and `jsonBody` parses the other routes' bodies with JSON.parse (own properties only).
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(json, { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  // Every operation may be refused before it runs (a malformed request, headers too large, a
  // request too slow: `createMrsServer`'s client error handler) and may fail inside (500, H2):
  // documented once here for every route, so that the document lists every status a client can
  // meet (a route's own refusals are in its schema). Added before @fastify/swagger reads the
  // routes: its own onRoute hook comes after this one.
  scope.addHook("onRoute", (route) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    if (schema === undefined || schema.hide === true) return;
    schema.response = { "4xx": RefusedBody, 500: InternalErrorBody, ...schema.response };
  });

  await scope.register(swagger, {
    decorator: "mrsOpenApi",
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "RUNE MRS registry",
        version: "1.0.0",
        description:
          "The Module Registration Specification API of a LOM: register modules, read the catalog, " +
          "follow decisions. Errors are `{errors: [{code, rule, pointer, message, hint?}]}`.",
        license: { name: "Mozilla Public License 2.0", identifier: "MPL-2.0" },
      },
      // Relative to the document: the API answers at the root of the origin that serves
      // /openapi.json, whatever address the host listens on or is reached through.
      servers: [{ url: "/", description: "The LOM serving this document" }],
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    // @fastify/swagger rewrites `patternProperties` into `additionalProperties` (an OpenAPI 3.0
    // limit), which would document the envelope as open (E2 says closed but for `x-` members).
    // OpenAPI 3.1 takes JSON Schema 2020-12 as it is: the payload's schema goes in unchanged.
    transformObject: (documents) => {
      const document = "openapiObject" in documents ? documents.openapiObject : documents.swaggerObject;
      const paths = (document as OpenApiDocument).paths;
      for (const [path, schema] of [
        ["/v1/registrations", RegistrationBodyDoc],
        ["/v1/store/commit", StoreCommitBodyDoc],
      ] as const) {
        const content = paths?.[path]?.post?.requestBody?.content?.[json];
        if (content !== undefined) content.schema = JSON.parse(JSON.stringify(schema));
      }
      // A copy, so that the shared schema objects the document was built from stay as they are.
      return JSON.parse(JSON.stringify(document), openJsonSchemas);
    },
  });

  // One encapsulated plugin per resource, each a file of routes/ (fastify's "Plugins" guide):
  // they inherit this scope's parser, validator, serializer and error handler.
  for (const resource of [
    registrationRoutes,
    catalogRoutes,
    livenessRoutes,
    sessionRoutes,
    eventRoutes,
    changeRoutes,
    operationRoutes,
    metricsRoutes,
    storeRoutes,
  ]) {
    await scope.register(async (child) => resource(child, ctx));
  }
  scope.addHook("preClose", (done) => {
    streams.closeAll();
    done();
  });
}

/**
 * `input_schema` and `output_schema` (@rune/mrs-schema's ObjectJsonSchema) are JSON Schemas:
 * any keyword goes, which JSON Schema says by leaving `additionalProperties` out. Client
 * generators read that as closed (openapi-typescript does), so a payload could not be written
 * with `properties`: the document says it outright.
 */
function openJsonSchemas(_key: string, value: unknown): unknown {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const schema = value as Record<string, unknown>;
    if (schema.title === "ObjectJsonSchema" && !Object.hasOwn(schema, "additionalProperties")) {
      schema.additionalProperties = true;
    }
  }
  return value;
}

/**
 * The error handler of the API: every failure becomes `{"errors": [...]}` with its status
 * (mapped in one place, `status.ts`). Used by the plugin and by {@link createMrsServer}'s root.
 */
export function mrsErrorHandler(this: unknown, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const answer = toAnswer(error);
  if (answer.status === 401) reply.header("www-authenticate", 'Bearer realm="mrs"');
  if (answer.internal) {
    // H2: the client gets the request id, the log gets the fault under the same id.
    request.log.error({ err: error, request_id: request.id }, "request failed");
    const errors = answer.errors.map((e) => ({ ...e, message: `${e.message} under request id ${request.id}` }));
    return reply.code(answer.status).send({ errors, request_id: request.id });
  }
  if (answer.status >= 500) request.log.warn({ errors: answer.errors }, "request failed");
  return reply.code(answer.status).send({ errors: answer.errors });
}
