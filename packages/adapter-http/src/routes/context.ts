import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { CapabilityEntry, Registry } from "@rune/mrs-core";
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { type Grant, tokenChecker } from "../auth.js";
import type { EventStreams } from "../events.js";
import type { MrsMetrics } from "../metrics.js";
import type { MrsHttpApiOptions } from "../options.js";
import { ErrorBody } from "../schemas.js";
import { fail, HttpFailure } from "../status.js";

/** Who may make a request: anyone when reading is open, any token, or a token granted every name. */
export type Access = "read" | "write" | "every";

/** A fastify scope with the TypeBox type provider, as every route file registers on it. */
export type Api = ReturnType<FastifyInstance["withTypeProvider"]> & FastifyInstance;

/** What the route plugins share: the registry, the options, and the auth guard they all use. */
export interface RouteContext {
  readonly registry: Registry;
  readonly options: MrsHttpApiOptions;
  readonly readOpen: boolean;
  readonly streams: EventStreams;
  /** The Prometheus series `GET /metrics` serves; routes count what they decide into them. */
  readonly metrics: MrsMetrics;
  /**
   * The `onRequest` hooks that let a request through only with the access asked for (A1, A2):
   * none for a read when reading is open, so that an open read pays for no hook at all.
   */
  guard(access: Access): onRequestAsyncHookHandler[];
  /** The grant of the token a guarded request carried. */
  grantOf(request: FastifyRequest): Grant;
  /** The OpenAPI security requirement of an access. */
  security(access: Access): { bearer: never[] }[];
  /** The error answers every read may give, and `more`. */
  readErrors(...more: number[]): Record<number, typeof ErrorBody>;
  /** Resolves `action` or `module/action` (S8), or throws its errors as an HTTP failure. */
  resolve(ref: string): CapabilityEntry;
}

/** The routes' context for one mounting of the API. */
export function routeContext(options: MrsHttpApiOptions, streams: EventStreams, metrics: MrsMetrics): RouteContext {
  const { registry } = options;
  const tokens = tokenChecker(options.tokens);
  const readOpen = (options.read ?? "open") === "open";
  const grants = new WeakMap<FastifyRequest, Grant>();
  const guarded =
    (access: Access): onRequestAsyncHookHandler =>
    async (request, reply) => {
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
      // A write before the host's start is over would be decided into a session discovery has
      // not resumed yet (or open one behind its back): refused, as a store not there yet.
      const waiting = options.startup?.() ?? null;
      if (waiting !== null) {
        fail("STORE_UNAVAILABLE", "", `not ready yet: ${waiting}`, {
          hint: "retry once GET /healthz answers 200",
        });
      }
      grants.set(request, grant);
    };
  return {
    registry,
    options,
    readOpen,
    streams,
    metrics,
    guard: (access) => (access === "read" && readOpen ? [] : [guarded(access)]),
    grantOf: (request) => grants.get(request) as Grant,
    security: (access) => (access === "read" && readOpen ? [] : [{ bearer: [] }]),
    readErrors: (...more) => {
      const out: Record<number, typeof ErrorBody> = {};
      for (const status of [...(readOpen ? [] : [401]), ...more, 503]) out[status] = ErrorBody;
      return out;
    },
    resolve: (ref) => {
      const resolved = registry.resolveAction(ref);
      if (!resolved.ok) throw new HttpFailure(resolved.errors);
      return resolved.value;
    },
  };
}

/** Narrows a scope to the TypeBox type provider every route file uses. */
export const typed = (scope: FastifyInstance) => scope.withTypeProvider<TypeBoxTypeProvider>();
