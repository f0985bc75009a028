import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import {
  type CapabilityEntry,
  type CatalogData,
  type CompatibilityPolicy,
  type ModuleRecord,
  MrsFailure,
  mrsError,
  type RegistrationInput,
  type Registry,
  type RegistryEvent,
  type RegistryStore,
  verifyChanges,
} from "@rune/mrs-core";
import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
} from "fastify";
import fp from "fastify-plugin";
import Type from "typebox";
import { type Grant, mayRegister, type TokenGrant, tokenChecker } from "./auth.js";
import { EventStreams, type StoreEvent } from "./events.js";
import { healthProbe } from "./health.js";
import {
  ActionView,
  CapabilityView,
  DecisionPage,
  DecisionsQuery,
  ErrorBody,
  HealthAnswer,
  List,
  ModuleView,
  RegistrationAnswer,
  RegistrationBodyDoc,
  RegistrationRejection,
  SessionView,
  StoreAnswer,
  StoreChangesPage,
  StoreChangesQuery,
  StoreCommitBody,
  StoreCommitBodyDoc,
  StoreCommitted,
  StoreCompacted,
  StoreConflict,
  ValidateAnswer,
  ValidateBody,
} from "./schemas.js";
import { fail, HttpFailure, statusOf, toAnswer } from "./status.js";
import { actionView, capabilityView, moduleView } from "./views.js";

/** RULES.md E11: the largest registration payload, and the largest JSON body of any other call. */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The largest body of `POST /v1/store/commit`: one group commit of a registry (up to 1,000
 * registrations, each with its payload of up to 1 MiB, RULES.md E11) can be far more than one
 * payload; only a token granted every name may send it. A batch larger than this is refused
 * whole (413 `PAYLOAD_TOO_LARGE`): a commit is all or nothing.
 */
export const MAX_STORE_BODY_BYTES = 64 * 1024 * 1024;
/** The most decisions one page of `GET /v1/decisions` holds, and the default. */
export const MAX_DECISIONS_PAGE = 1_000;
/** The most changes one answer of `GET /v1/store/changes` holds, and the default. */
export const MAX_CHANGES_PAGE = 1_000;
const DEFAULT_HEARTBEAT_MS = 15_000;

/** Options of {@link mrsHttpApi}. */
export interface MrsHttpApiOptions {
  /** The registry the API serves (started by the host: `GET /healthz` answers 503 until it is). */
  readonly registry: Registry;
  /**
   * Bearer tokens and the module names each may register (RULES.md A1-A2). Without any,
   * registering and refreshing over HTTP are refused (401).
   */
  readonly tokens?: readonly TokenGrant[];
  /** Whether reading the catalog needs a token (any configured one). Default `"open"`. */
  readonly read?: "open" | "token";
  /**
   * The store behind `registry`. When given, `GET /v1/store`, `GET /v1/store/changes` and
   * `POST /v1/store/commit` serve it (for {@link httpStore} clients: another LOM or a CLI
   * sharing this catalog); without it those routes do not exist. Commits are checked against
   * the rules (`verifyChanges`) on the registry's state before they reach the store.
   */
  readonly store?: RegistryStore;
  /** Interval of the comments that keep `GET /v1/events` streams alive through proxies. Default 15 s. */
  readonly heartbeatMs?: number;
  /**
   * The compatibility policy (RULES.md C2) that commits through `POST /v1/store/commit` are held
   * to: pass the one `registry` was created with. Under `strict`, an upgrade from another writer
   * that breaks callers without declaring it is refused, whatever that writer's own policy.
   * Default `warn`: the writer's decision stands.
   */
  readonly compatibility?: CompatibilityPolicy;
}

type Access = "read" | "write" | "every";

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
  await host.register(async (api) => routes(api, options));
}

async function routes(scope: FastifyInstance, options: MrsHttpApiOptions): Promise<void> {
  const { registry } = options;
  const tokens = tokenChecker(options.tokens);
  const readOpen = (options.read ?? "open") === "open";
  const streams = new EventStreams(options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  const storeListeners = new Set<(event: StoreEvent) => void>();
  const grants = new WeakMap<FastifyRequest, Grant>();
  const ready = healthProbe(registry);

  // Our own checks, in TypeBox (the repo's one validator): no body coercion, no properties
  // silently removed, as fastify's default Ajv settings would do.
  scope.setValidatorCompiler(TypeBoxValidatorCompiler);
  // Answers are serialised as they are: payloads carry x- extensions and arbitrary JSON Schemas
  // (E2: returned as registered) that a schema-driven serialiser would drop or reject.
  scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
  scope.setErrorHandler(mrsErrorHandler);

  // fastify's JSON parser (secure-json-parse) rejects `__proto__` keys, which RULES.md E12
  // calls data. Bodies are kept as raw bytes: the core parses payloads itself (E1, E11, E12),
  // and `jsonBody` parses the other routes' bodies with JSON.parse (own properties only).
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(json, { parseAs: "buffer" }, (_request, body, done) => done(null, body));

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
      },
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
      return document;
    },
  });

  const api = scope.withTypeProvider<TypeBoxTypeProvider>();

  const guard =
    (access: Access): onRequestAsyncHookHandler =>
    async (request, reply) => {
      if (access === "read" && readOpen) return;
      const grant = tokens.check(request.headers.authorization);
      if (grant === null) {
        reply.header("www-authenticate", 'Bearer realm="mrs"');
        fail(
          "UNAUTHORIZED",
          "",
          tokens.configured
            ? "a valid bearer token is needed for this request"
            : "this LOM accepts no tokens: writing over HTTP is turned off",
          { hint: tokens.configured ? "send Authorization: Bearer TOKEN" : "configure tokens to allow it" },
        );
      }
      if (access === "every" && !grant.every) {
        fail("FORBIDDEN_MODULE", "", "this request acts on every module: it needs a token granted every name (*)");
      }
      grants.set(request, grant);
    };
  const security = (access: Access) => (access === "read" && readOpen ? [] : [{ bearer: [] }]);

  const resolve = (ref: string): CapabilityEntry => {
    const resolved = registry.resolveAction(ref);
    if (!resolved.ok) throw new HttpFailure(resolved.errors);
    return resolved.value;
  };

  // ---- registering ----

  api.post(
    "/v1/registrations",
    {
      onRequest: guard("write"),
      bodyLimit: MAX_BODY_BYTES,
      // The body is the payload's raw bytes, judged by the core; the schema is shown in the docs only.
      config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: RegistrationBodyDoc }, url }) },
      schema: {
        tags: ["registrations"],
        operationId: "register",
        summary: "Register one module payload (RULES.md S1-S11, A1-A3)",
        security: security("write"),
        response: {
          201: { ...RegistrationAnswer, description: "accepted: a name new in the session (S2)" },
          200: { ...RegistrationAnswer, description: "upgraded: a higher version replaced the one held (S3)" },
          400: { ...RegistrationRejection, description: "INVALID_JSON: the body is not JSON" },
          401: { ...ErrorBody, description: "UNAUTHORIZED: no valid bearer token (A1)" },
          403: { ...ErrorBody, description: "FORBIDDEN_MODULE: the token may not register this name (A2)" },
          409: {
            ...RegistrationRejection,
            description: "DUPLICATE_REGISTRATION (S5, with `identical`) or VERSION_SUPERSEDED (S4)",
          },
          413: { ...ErrorBody, description: "PAYLOAD_TOO_LARGE: more than 1 MiB (E11)" },
          415: { ...ErrorBody, description: "UNSUPPORTED_MEDIA_TYPE: the body is not application/json" },
          422: { ...RegistrationRejection, description: "the payload is invalid: every fault with its rule (E*)" },
          503: { ...RegistrationRejection, description: "STORE_UNAVAILABLE: nothing was recorded (S11)" },
        },
      },
    },
    async (request, reply) => {
      const grant = grants.get(request) as Grant;
      const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let input: RegistrationInput = { text: bytes };
      if (!grant.every) {
        // A2: the name is checked on the very value that is registered, so no parser
        // difference (duplicate keys, ...) can slip another name past the check.
        const parsed = parseJson(bytes);
        if (parsed.ok) {
          const name = declaredName(parsed.value);
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
      const result = await registry.register(input, `http:${request.ip}`);
      if (result.ok) {
        return reply.code(result.outcome === "accepted" ? 201 : 200).send({
          outcome: result.outcome,
          module: result.module,
          version: result.version,
          ...(result.previousVersion === undefined ? {} : { previousVersion: result.previousVersion }),
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

  // ---- the catalog ----

  const readErrors = (...more: number[]) => {
    const out: Record<number, typeof ErrorBody> = {};
    for (const status of [...(readOpen ? [] : [401]), ...more, 503]) out[status] = ErrorBody;
    return out;
  };

  api.get(
    "/v1/modules",
    {
      onRequest: guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "listModules",
        summary: "Every module held in the current session, by name",
        security: security("read"),
        response: { 200: Type.Object({ modules: List(ModuleView) }), ...readErrors() },
      },
    },
    async () => ({ modules: registry.modules().map(moduleView) }),
  );

  api.get(
    "/v1/modules/:name",
    {
      onRequest: guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "getModule",
        summary: "The module held under a name (superseded versions are in /v1/decisions)",
        security: security("read"),
        params: Type.Object({ name: Type.String() }),
        response: { 200: ModuleView, ...readErrors(404) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const record = registry.module(name);
      if (record === undefined) {
        fail("UNKNOWN_MODULE", "", `no module named ${name} is held in this session`, {
          hint: `GET /v1/decisions?module=${encodeURIComponent(name)} says what happened to it`,
        });
      }
      return moduleView(record);
    },
  );

  api.get(
    "/v1/capabilities",
    {
      onRequest: guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "listCapabilities",
        summary: "Every capability with its module/action address (S8)",
        security: security("read"),
        response: { 200: Type.Object({ capabilities: List(CapabilityView) }), ...readErrors() },
      },
    },
    async () => ({ capabilities: registry.capabilities().map(capabilityView) }),
  );

  // `{action}` is a bare action or `module/action`, its slash sent as is or as %2F (find-my-way
  // decodes %2F inside one parameter): two routes cover the three forms.
  const capabilityDoc = (operationId: string) => ({
    tags: ["catalog"],
    operationId,
    summary: "One capability with both schemas (404 UNKNOWN_ACTION, 409 AMBIGUOUS_ACTION with candidates)",
    security: security("read"),
    response: { 200: CapabilityView, ...readErrors(404, 409) },
  });
  api.get(
    "/v1/capabilities/:action",
    {
      onRequest: guard("read"),
      schema: { ...capabilityDoc("getCapability"), params: Type.Object({ action: Type.String() }) },
    },
    async (request) => capabilityView(resolve(request.params.action)),
  );
  api.get(
    "/v1/capabilities/:module/:action",
    {
      onRequest: guard("read"),
      schema: {
        ...capabilityDoc("getModuleCapability"),
        params: Type.Object({ module: Type.String(), action: Type.String() }),
      },
    },
    async (request) => capabilityView(resolve(`${request.params.module}/${request.params.action}`)),
  );

  const validateDoc = (operationId: string) => ({
    tags: ["catalog"],
    operationId,
    summary: "Validate an input or an output against the capability's schema (I1, I2)",
    security: security("read"),
    body: ValidateBody,
    response: { 200: ValidateAnswer, ...readErrors(400, 404, 409, 413, 415) },
  });
  const validate = (ref: string, body: { input?: unknown; output?: unknown }) => {
    const hasInput = Object.hasOwn(body, "input");
    if (hasInput === Object.hasOwn(body, "output")) {
      fail("INVALID_REQUEST", "", 'send exactly one of {"input": ...} or {"output": ...}');
    }
    const { address } = resolve(ref);
    const check = hasInput
      ? registry.validateInput(address, body.input)
      : registry.validateOutput(address, body.output);
    return check.valid ? { valid: true } : { valid: false, errors: [...check.errors] };
  };
  api.post(
    "/v1/capabilities/:action/validate",
    {
      onRequest: guard("read"),
      preValidation: jsonBody,
      bodyLimit: MAX_BODY_BYTES,
      schema: { ...validateDoc("validate"), params: Type.Object({ action: Type.String() }) },
    },
    async (request) => validate(request.params.action, request.body),
  );
  api.post(
    "/v1/capabilities/:module/:action/validate",
    {
      onRequest: guard("read"),
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
      onRequest: guard("read"),
      schema: {
        tags: ["catalog"],
        operationId: "listActions",
        summary: "The actions in the shape of RUNE's GET /v1/actions",
        security: security("read"),
        response: { 200: List(ActionView), ...readErrors() },
      },
    },
    async () => registry.capabilities().map(actionView),
  );

  api.get(
    "/v1/decisions",
    {
      onRequest: guard("read"),
      schema: {
        tags: ["session"],
        operationId: "listDecisions",
        summary:
          "The session's recorded decisions (S9), a page at a time: the newest `limit` older than `before`, oldest first, optionally for one module name",
        security: security("read"),
        querystring: DecisionsQuery,
        response: { 200: DecisionPage, ...readErrors(400) },
      },
    },
    async (request) => {
      const { module, before } = request.query;
      const limit = Math.min(request.query.limit ?? MAX_DECISIONS_PAGE, MAX_DECISIONS_PAGE);
      // One more than asked for says whether an older page follows.
      const found = registry.decisions({
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
      onRequest: guard("read"),
      schema: {
        tags: ["session"],
        operationId: "getSession",
        summary: "The current session: id, start and counts",
        security: security("read"),
        response: { 200: SessionView, ...readErrors() },
      },
    },
    async () => registry.session(),
  );

  api.post(
    "/v1/session/refresh",
    {
      onRequest: guard("every"),
      bodyLimit: 64 * 1024,
      schema: {
        tags: ["session"],
        operationId: "refreshSession",
        summary: "Start a new session: re-discover from the sources and swap the catalog in at once (S10)",
        security: security("every"),
        response: { 200: SessionView, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
      },
    },
    async () => {
      await storeCall(() => registry.refresh());
      return registry.session();
    },
  );

  api.get(
    "/v1/events",
    {
      onRequest: guard("read"),
      // A HEAD would run the streaming handler and never end.
      exposeHeadRoute: false,
      schema: {
        tags: ["session"],
        operationId: "events",
        summary:
          "Server-sent events: one `data:` JSON line per decision or session change, as it happens, with its revision (R1)",
        security: security("read"),
        response: {
          200: {
            description:
              'Each event is `data: {"type":"decision","revision":N,"decision":...}`, `{"type":"session","revision":N,"session":...}`, or, after a commit through `/v1/store/commit`, `{"type":"store","revision":N}`',
            content: { "text/event-stream": { schema: Type.String() } },
          },
          ...(readOpen ? {} : { 401: ErrorBody }),
        },
      },
    },
    (request, reply) => {
      streams.serve(request, reply, (send) => {
        // The stream keeps its shape (decisions and sessions, now with their revision) until the
        // resumable change feed (R2); module events carry whole records and stay off it.
        const unsubscribe = registry.subscribe((event: RegistryEvent) => {
          if (event.type === "decision" || event.type === "session") send(event);
        });
        storeListeners.add(send);
        return () => {
          unsubscribe();
          storeListeners.delete(send);
        };
      });
    },
  );
  scope.addHook("preClose", (done) => {
    streams.closeAll();
    done();
  });

  // ---- operations ----

  api.get(
    "/healthz",
    {
      schema: {
        tags: ["operations"],
        operationId: "health",
        summary: "200 once the registry is ready (session open, discovery run, store reachable), else 503",
        response: { 200: HealthAnswer, 503: ErrorBody },
      },
    },
    async (_request, reply) => {
      if (await ready()) return { ready: true as const, session: registry.session().id };
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

  // ---- the store, for httpStore clients ----

  const { store } = options;
  if (store !== undefined) {
    const storeErrors = { 401: ErrorBody, 403: ErrorBody, 503: ErrorBody };

    api.get(
      "/v1/store",
      {
        onRequest: guard("every"),
        schema: {
          tags: ["store"],
          operationId: "loadStore",
          summary:
            "The store's state and its revision, as RegistryStore.load (for another LOM or a CLI on this catalog)",
          security: security("every"),
          response: { 200: StoreAnswer, ...storeErrors },
        },
      },
      async () => ({ snapshot: await storeCall(() => store.load()) }),
    );

    api.get(
      "/v1/store/changes",
      {
        onRequest: guard("every"),
        schema: {
          tags: ["store"],
          operationId: "storeChanges",
          summary: "The changes after a revision, oldest first, as RegistryStore.changesSince (R1, R3)",
          security: security("every"),
          querystring: StoreChangesQuery,
          response: { 200: StoreChangesPage, 410: StoreCompacted, 400: ErrorBody, ...storeErrors },
        },
      },
      async (request, reply) => {
        const { since } = request.query;
        const limit = Math.min(request.query.limit ?? MAX_CHANGES_PAGE, MAX_CHANGES_PAGE);
        const page = await storeCall(() => store.changesSince(since, limit));
        return page.ok ? page : reply.code(410).send(page);
      },
    );

    api.post(
      "/v1/store/commit",
      {
        onRequest: guard("every"),
        preValidation: jsonBody,
        bodyLimit: MAX_STORE_BODY_BYTES,
        // The changes are judged by the core (verifyChanges); their schema is shown in the docs only.
        config: {
          swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: StoreCommitBodyDoc }, url }),
        },
        schema: {
          tags: ["store"],
          operationId: "commitStore",
          summary:
            "Append changes if the store is still at `expected` (compare-and-set, all or nothing), once they pass E1-E12 and S1-S11",
          security: security("every"),
          body: StoreCommitBody,
          response: {
            200: StoreCommitted,
            400: { ...ErrorBody, description: "INVALID_JSON, or INVALID_REQUEST: a malformed change, at its pointer" },
            409: {
              ...Type.Union([StoreConflict, ErrorBody]),
              description:
                "`{ok: false, conflict: true, revision}`: the store is no longer at `expected`; or `{errors}`: a module.put that S4 (VERSION_SUPERSEDED) or S5 (DUPLICATE_REGISTRATION) refuses",
            },
            413: {
              ...ErrorBody,
              description: "PAYLOAD_TOO_LARGE: the batch is over 64 MiB, or a payload over 1 MiB (E11)",
            },
            415: ErrorBody,
            422: { ...ErrorBody, description: "A payload that breaks an envelope rule (E1-E12), with its code" },
            ...storeErrors,
          },
        },
      },
      async (request, reply) => {
        const { expected, changes } = request.body;
        // The registry's state at `expected` is what the changes are checked on: caught up first.
        await storeCall(() => registry.reload());
        const conflict = () => reply.code(409).send({ ok: false, conflict: true, revision: registry.revision });
        if (registry.revision !== expected) return conflict();
        const verdict = verifyChanges(heldView(registry, changes), changes, {
          compatibility: options.compatibility ?? "warn",
        });
        if (!verdict.ok) throw new HttpFailure(verdict.errors);
        const result = await storeCall(() => store.commit(expected, verdict.value));
        // The registry serving this API reads what was just stored (or what won the race).
        const caughtUp = registry
          .reload()
          .catch((error: unknown) => request.log.warn({ err: error }, "reload after a store write"));
        await caughtUp;
        if (!result.ok) return conflict();
        for (const listener of storeListeners) listener({ type: "store", revision: result.revision });
        return { ok: true as const, revision: result.revision };
      },
    );
  }
}

/**
 * The part of the registry's state that `verifyChanges` reads for a batch: the session and the
 * modules held under the names the batch puts or removes (never the whole catalog: a commit
 * costs what it changes, RULES.md R1). `null` when the registry holds no session (revision 0).
 */
function heldView(registry: Registry, changes: readonly unknown[]): CatalogData | null {
  if (registry.revision === 0) return null;
  const { id, startedAt } = registry.session();
  const modules = new Map<string, ModuleRecord>();
  for (const change of changes) {
    const name = touchedName(change);
    if (name === null || modules.has(name)) continue;
    const held = registry.module(name);
    if (held !== undefined) modules.set(name, held);
  }
  // fromEntries defines own properties: a module named `__proto__` stays data (E12).
  return { session: { id, startedAt }, modules: Object.fromEntries(modules), decisions: [] };
}

/** The module name a change puts or removes, when it has one that is a string. */
function touchedName(change: unknown): string | null {
  const own = (value: unknown, key: string): unknown =>
    typeof value === "object" && value !== null && Object.hasOwn(value, key)
      ? (value as Record<string, unknown>)[key]
      : undefined;
  const type = own(change, "type");
  const name =
    type === "module.removed" || type === "module.state"
      ? own(change, "module")
      : type === "module.put"
        ? own(own(own(own(change, "record"), "payload"), "registration_metadata"), "module_name")
        : undefined;
  return typeof name === "string" ? name : null;
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

/** Parses a JSON body kept as bytes (UTF-8, `__proto__` as data): INVALID_JSON on failure. */
async function jsonBody(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (!Buffer.isBuffer(body)) return;
  const parsed = parseJson(body);
  if (!parsed.ok) fail("INVALID_JSON", "", "the request body is not JSON", { hint: parsed.reason });
  request.body = parsed.value;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    // JSON.parse defines every key as an own property: `__proto__` stays data (E12).
    return { ok: true, value: JSON.parse(utf8.decode(bytes)) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** The module name a parsed payload declares, when it is a plain string. */
function declaredName(value: unknown): string | null {
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, "registration_metadata")) return null;
  const meta = (value as { registration_metadata: unknown }).registration_metadata;
  if (typeof meta !== "object" || meta === null || !Object.hasOwn(meta, "module_name")) return null;
  const name = (meta as { module_name: unknown }).module_name;
  return typeof name === "string" ? name : null;
}

/** Runs a store call: a store that throws answers 503 STORE_UNAVAILABLE (S11), keeping MRS codes it gives. */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MrsFailure) throw error;
    return fail(
      "STORE_UNAVAILABLE",
      "",
      `the store failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: "retry once the store is back",
      },
    );
  }
}
