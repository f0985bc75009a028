/**
 * A client of the MRS HTTP API as a consumer writes one: types generated from the served
 * `/openapi.json` by openapi-typescript, calls made with openapi-fetch.
 *
 * `src/openapi-client.test.ts` generates `./api.ts` beside a copy of this file at test time,
 * type-checks the copy with tsc (so a route whose documented shape moves away from what this
 * code reads fails), then runs it against a live API and checks what it returns field by field.
 * It is not part of the package's build or type-check (`./api.ts` exists only in that folder).
 */
import createClient from "openapi-fetch";
import type { operations, paths } from "./api.js";

/** The body of `POST /v1/registrations`, as documented. */
export type Payload = operations["register"]["requestBody"]["content"]["application/json"];
/** The `200`/`201` of a registration, as documented. */
type Registered = operations["register"]["responses"]["201"]["content"]["application/json"];
/** The `409` of a registration, as documented. */
type Rejected = operations["register"]["responses"]["409"]["content"]["application/json"];

/** A payload typed by the document: a drift of the documented request body fails the type-check. */
export const payload = {
  registration_metadata: { module_name: "greeter", module_version: "1.2.0", registered_at: "2026-01-01T00:00:00Z" },
  capabilities: [
    {
      action: "greet",
      description: "Greets someone by name",
      input_schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
      output_schema: { type: "object", properties: { greeting: { type: "string" } }, required: ["greeting"] },
    },
  ],
  "x-team": "docs",
} satisfies Payload;

/** What the walkthrough read, each value typed as this code expects the document to type it. */
export interface Walkthrough {
  readonly registered: {
    readonly status: number;
    readonly outcome: "accepted" | "upgraded";
    readonly module: string;
    readonly version: string;
    readonly sessionId: string;
    readonly decisionId: string;
    readonly leaseSeconds: number | undefined;
    readonly warnings: readonly string[];
  };
  readonly again: {
    readonly status: number;
    readonly outcome: "rejected";
    readonly codes: readonly string[];
    readonly identical: boolean | undefined;
    readonly decisionId: string | null;
  };
  readonly listed: {
    readonly status: number;
    readonly etag: string | null;
    readonly modules: readonly {
      readonly name: string;
      readonly version: string;
      readonly state: "live" | "expired";
      readonly actions: readonly string[];
      readonly extension: unknown;
      readonly leaseSeconds: number | undefined;
    }[];
  };
  readonly notModified: { readonly status: number };
  readonly described: {
    readonly module: {
      readonly name: string;
      readonly version: string;
      readonly source: string;
      readonly decisionId: string;
    };
    readonly capability: {
      readonly address: string;
      readonly name: string;
      readonly module: string;
      readonly version: string;
      readonly action: string;
      readonly description: string;
      readonly inputRequired: unknown;
    };
  };
  readonly validated: {
    readonly valid: { readonly valid: boolean; readonly codes: readonly string[] };
    readonly invalid: {
      readonly valid: boolean;
      readonly codes: readonly string[];
      readonly pointers: readonly string[];
    };
    readonly output: { readonly valid: boolean };
  };
  readonly unknown: { readonly status: number; readonly codes: readonly string[] };
  readonly session: {
    readonly id: string;
    readonly modules: number;
    readonly capabilities: number;
    readonly decisions: number;
  };
}

/** Registers `payload`, lists, describes and validates, as a client of the document would. */
export async function walkthrough(baseUrl: string, token: string): Promise<Walkthrough> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });

  const first = await client.POST("/v1/registrations", { body: payload, params: { query: { lease: 60 } } });
  if (first.data === undefined) throw new Error(`register: ${first.response.status} ${JSON.stringify(first.error)}`);
  const answer: Registered = first.data;
  const registered = {
    status: first.response.status,
    outcome: answer.outcome,
    module: answer.module,
    version: answer.version,
    sessionId: answer.sessionId,
    decisionId: answer.decisionId,
    leaseSeconds: answer.lease?.seconds,
    warnings: answer.warnings.map((w) => w.code),
  };

  // The same payload again: a duplicate (S5), refused with the decision recorded.
  const second = await client.POST("/v1/registrations", { body: payload, params: { query: { lease: 60 } } });
  if (second.error === undefined) throw new Error(`register again: ${second.response.status}, no error`);
  if (!("outcome" in second.error)) throw new Error(`register again: ${JSON.stringify(second.error)}`);
  const rejection: Rejected = second.error;
  const again = {
    status: second.response.status,
    outcome: rejection.outcome,
    codes: rejection.errors.map((e) => e.code),
    identical: rejection.errors[0]?.identical,
    decisionId: rejection.decisionId,
  };

  const list = await client.GET("/v1/modules");
  if (list.data === undefined) throw new Error(`list: ${list.response.status}`);
  const etag = list.response.headers.get("etag");
  const listed = {
    status: list.response.status,
    etag,
    modules: list.data.modules.map((m) => ({
      name: m.module_name,
      version: m.module_version,
      state: m.state,
      actions: m.capabilities.map((c) => c.action),
      extension: m["x-team"],
      leaseSeconds: m.lease?.seconds,
    })),
  };

  // R4: asked again with the ETag, while nothing changed.
  const again304 = await client.GET("/v1/modules", { params: { header: { "if-none-match": etag ?? "" } } });
  const notModified = { status: again304.response.status };

  const one = await client.GET("/v1/modules/{name}", { params: { path: { name: "greeter" } } });
  if (one.data === undefined) throw new Error(`describe module: ${one.response.status}`);
  const capability = await client.GET("/v1/capabilities/{module}/{action}", {
    params: { path: { module: "greeter", action: "greet" } },
  });
  if (capability.data === undefined) throw new Error(`describe capability: ${capability.response.status}`);
  const described = {
    module: {
      name: one.data.module_name,
      version: one.data.module_version,
      source: one.data.source,
      decisionId: one.data.decisionId,
    },
    capability: {
      address: capability.data.address,
      name: capability.data.name,
      module: capability.data.module,
      version: capability.data.version,
      action: capability.data.action,
      description: capability.data.description,
      inputRequired: capability.data.input_schema.required,
    },
  };

  const check = async (body: { input: unknown } | { output: unknown }) => {
    const r = await client.POST("/v1/capabilities/{action}/validate", { params: { path: { action: "greet" } }, body });
    if (r.data === undefined) throw new Error(`validate: ${r.response.status}`);
    return r.data;
  };
  const good = await check({ input: { name: "Ada" } });
  const bad = await check({ input: { name: 42 } });
  const output = await check({ output: { greeting: "Hello, Ada" } });
  const validated = {
    valid: { valid: good.valid, codes: (good.errors ?? []).map((e) => e.code) },
    invalid: {
      valid: bad.valid,
      codes: (bad.errors ?? []).map((e) => e.code),
      pointers: (bad.errors ?? []).map((e) => e.pointer),
    },
    output: { valid: output.valid },
  };

  const missing = await client.GET("/v1/capabilities/{action}", { params: { path: { action: "wave" } } });
  if (missing.error === undefined) throw new Error(`unknown action: ${missing.response.status}, no error`);
  const errorBody: { errors: readonly { code: string }[] } = missing.error;
  const unknown = { status: missing.response.status, codes: errorBody.errors.map((e) => e.code) };

  const current = await client.GET("/v1/session");
  if (current.data === undefined) throw new Error(`session: ${current.response.status}`);
  const session = {
    id: current.data.id,
    modules: current.data.modules,
    capabilities: current.data.capabilities,
    decisions: current.data.decisions,
  };

  return { registered, again, listed, notModified, described, validated, unknown, session };
}
