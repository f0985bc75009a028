import type { CatalogData, ModuleRecord, Registry } from "@rune/mrs-core";
import { verifyChanges } from "@rune/mrs-core";
import type { FastifyInstance } from "fastify";
import Type from "typebox";
import { MAX_CHANGES_PAGE, MAX_STORE_BODY_BYTES } from "../options.js";
import { jsonBody, storeCall } from "../request-body.js";
import {
  ErrorBody,
  StoreAnswer,
  StoreChangesPage,
  StoreChangesQuery,
  StoreCommitBody,
  StoreCommitBodyDoc,
  StoreCommitted,
  StoreCompacted,
  StoreConflict,
} from "../schemas.js";
import { HttpFailure } from "../status.js";
import { type RouteContext, typed } from "./context.js";

/** The store, for `httpStore` clients (only when the host passes `store`): load, changes since, commit. */
export async function storeRoutes(scope: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(scope);

  const { store } = ctx.options;
  if (store !== undefined) {
    const storeErrors = { 401: ErrorBody, 403: ErrorBody, 503: ErrorBody };

    api.get(
      "/v1/store",
      {
        onRequest: ctx.guard("every"),
        schema: {
          tags: ["store"],
          operationId: "loadStore",
          summary:
            "The store's state and its revision, as RegistryStore.load (for another LOM or a CLI on this catalog)",
          security: ctx.security("every"),
          response: { 200: StoreAnswer, ...storeErrors },
        },
      },
      async () => ({ snapshot: await storeCall(() => store.load()) }),
    );

    api.get(
      "/v1/store/changes",
      {
        onRequest: ctx.guard("every"),
        schema: {
          tags: ["store"],
          operationId: "storeChanges",
          summary: "The changes after a revision, oldest first, as RegistryStore.changesSince (R1, R3)",
          security: ctx.security("every"),
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
        onRequest: ctx.guard("every"),
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
          security: ctx.security("every"),
          body: StoreCommitBody,
          response: {
            200: StoreCommitted,
            400: { ...ErrorBody, description: "INVALID_JSON, or INVALID_REQUEST: a malformed change, at its pointer" },
            404: { ...ErrorBody, description: "UNKNOWN_MODULE: a change names a module not held at that point" },
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
        await storeCall(() => ctx.registry.reload());
        const conflict = () => reply.code(409).send({ ok: false, conflict: true, revision: ctx.registry.revision });
        if (ctx.registry.revision !== expected) return conflict();
        const verdict = verifyChanges(heldView(ctx.registry, changes), changes, {
          compatibility: ctx.options.compatibility ?? "warn",
        });
        if (!verdict.ok) throw new HttpFailure(verdict.errors);
        const result = await storeCall(() => store.commit(expected, verdict.value));
        // The registry serving this API reads what was just stored (or what won the race).
        const caughtUp = ctx.registry
          .reload()
          .catch((error: unknown) => request.log.warn({ err: error }, "reload after a store write"));
        await caughtUp;
        if (!result.ok) return conflict();
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
