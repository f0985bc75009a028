import { Capability, RegistrationMetadata, RegistrationPayload } from "@rune/mrs-schema";
import Type, { type Static, type TSchema } from "typebox";

/**
 * The HTTP API's request and response schemas, in TypeBox. They do two jobs: typing the route
 * handlers (through the TypeBox type provider) and generating `/openapi.json` (through
 * `@fastify/swagger`). Requests are checked against them; responses are not serialised from
 * them (see `plugin.ts`: payloads carry `x-` extensions and arbitrary JSON Schemas that a
 * schema-driven serialiser would drop).
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** An array typed `readonly T[]`, as the core hands its lists out. */
export const List = <T extends TSchema>(schema: T, options: Parameters<typeof Type.Array>[1] = {}) =>
  Type.Immutable(Type.Array(schema, options));

/** One error as data (STYLE.md 7): code, RULES.md rule id, JSON Pointer, message, hint. */
export const ErrorItem = Type.Object(
  {
    code: Type.String({ description: "An MRS error code (`INVALID_VERSION`, `UNAUTHORIZED`, ...)." }),
    rule: Type.String({ description: "The RULES.md rule the code enforces (`E4`, `A1`, ...)." }),
    pointer: Type.String({ description: "JSON Pointer of the offending value; empty for the whole document." }),
    message: Type.String(),
    hint: Type.Optional(Type.String()),
    identical: Type.Optional(
      Type.Boolean({
        description: "S5: the duplicate is identical to the registration held (a retry that went through).",
      }),
    ),
    candidates: Type.Optional(
      List(Type.String(), { description: "S8: the `module/action` addresses an ambiguous action could mean." }),
    ),
    differences: Type.Optional(
      List(Type.Object({}, { additionalProperties: true }), {
        description:
          "C2: for BREAKING_CHANGE_UNDECLARED, every difference from the version held, with its kind, action, pointers and whether it breaks callers.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** A warning: same shape as an error, with a warning code; never blocks. */
export const WarningItem = Type.Object({
  code: Type.String(),
  rule: Type.String(),
  pointer: Type.String(),
  message: Type.String(),
  hint: Type.Optional(Type.String()),
});

/** Every failure of the API: `{"errors": [...]}` (INTERFACES.md). */
export const ErrorBody = Type.Object(
  { errors: List(ErrorItem, { minItems: 1 }) },
  { description: "What went wrong, every fault with its code, rule, pointer and message." },
);

/**
 * `500` of every operation (RULES.md H2): the error body with the id under which the LOM's log
 * holds what went wrong. Nothing of the fault itself is in it.
 */
export const InternalErrorBody = Type.Object(
  {
    errors: List(ErrorItem, { minItems: 1 }),
    request_id: Type.String({ description: "The request's id: the LOM's log has the details under it." }),
  },
  { description: "INTERNAL_ERROR: a fault of the LOM itself (H2), never of the request." },
);

/**
 * `4XX` of every operation: what the server refuses before the request reaches the operation
 * (`createMrsServer` answers them in the MRS error format). A route's own refusals are
 * documented with their statuses.
 */
export const RefusedBody = {
  ...ErrorBody,
  description:
    "Refused before it reached the operation: a malformed request (400), headers larger than the server takes (431), or a request that did not arrive within the request timeout (408).",
};

/** A recorded decision (RULES.md S9). */
export const DecisionView = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  at: Type.String({ description: "ISO 8601 UTC time of the decision." }),
  source: Type.String({ description: "Where the registration came from: `http:ADDRESS`, `folder:...`, `url:...`." }),
  outcome: Type.Union(
    [
      Type.Literal("accepted"),
      Type.Literal("upgraded"),
      Type.Literal("rejected"),
      Type.Literal("expired"),
      Type.Literal("revived"),
      Type.Literal("removed"),
      Type.Literal("deregistered"),
    ],
    {
      description:
        "About a registration: accepted (S2), upgraded (S3), rejected; about a module's life: expired, revived, removed (L3), deregistered (L4).",
    },
  ),
  module: Nullable(Type.String()),
  version: Nullable(Type.String()),
  previousVersion: Type.Optional(Type.String()),
  rule: Type.Optional(
    Type.String({ description: "For a decision about a module's life: the rule that made it (L3, L4)." }),
  ),
  digest: Type.Optional(
    Type.String({ description: "SHA-256 (hex) of what was received: a restart knows a payload already decided on." }),
  ),
  errors: List(ErrorItem),
  warnings: List(WarningItem),
});

/** A module's lease (RULES.md L1-L3). */
export const LeaseView = Type.Object(
  {
    seconds: Type.Integer({ description: "The lease granted, clamped to the LOM's bounds (L1)." }),
    expires_at: Type.String({
      description: "When it expires if not renewed (live), or when it is removed (expired): ISO 8601 UTC.",
    }),
  },
  { description: "The module's lease: renew it with POST /v1/modules/{name}/heartbeat (L2)." },
);

/** `201`/`200` of `POST /v1/registrations`. */
export const RegistrationAnswer = Type.Object(
  {
    outcome: Type.Union([Type.Literal("accepted"), Type.Literal("upgraded")]),
    module: Type.String(),
    version: Type.String(),
    previousVersion: Type.Optional(Type.String({ description: "For `upgraded`: the version it replaced (S3)." })),
    lease: Type.Optional(LeaseView),
    compatibility: Type.Optional(
      Type.Object(
        {
          breaking: Type.Boolean(),
          declared: Type.Boolean(),
          differences: List(Type.Object({}, { additionalProperties: true })),
        },
        {
          additionalProperties: true,
          description:
            "For `upgraded`: how the new version compares with the one it replaced (RULES.md C1, C2): every difference with its kind, action, pointers and whether it breaks callers.",
        },
      ),
    ),
    sessionId: Type.String(),
    decisionId: Type.String(),
    warnings: List(WarningItem),
  },
  { description: "The registration was stored: accepted (201, S2) or upgraded (200, S3)." },
);

/** `4xx`/`503` of `POST /v1/registrations`: the error body, with what the registry knew. */
export const RegistrationRejection = Type.Object(
  {
    errors: List(ErrorItem, { minItems: 1 }),
    outcome: Type.Literal("rejected"),
    module: Nullable(Type.String()),
    version: Nullable(Type.String()),
    sessionId: Nullable(Type.String({ description: "`null` when the store failed: nothing was recorded (S11)." })),
    decisionId: Nullable(Type.String()),
    warnings: List(WarningItem),
  },
  { description: "The registration was refused; the decision is recorded (S9) unless the store failed." },
);

/**
 * A module as the API shows it: its payload (so `registration_metadata`, `capabilities` and
 * every `x-` extension come back as registered, E2), the metadata's three members hoisted to
 * the top level (INTERFACES.md), and where and when it was accepted.
 */
export const ModuleView = Type.Object(
  {
    module_name: Type.String(),
    module_version: Type.String(),
    registered_at: Type.String(),
    capabilities: List(Capability),
    registration_metadata: RegistrationMetadata,
    source: Type.String({ description: "Where it came from: `http:ADDRESS`, `folder:...`, `url:...`." }),
    acceptedAt: Type.String({ description: "ISO 8601 UTC time it was accepted." }),
    decisionId: Type.String(),
    state: Type.Union([Type.Literal("live"), Type.Literal("expired")], {
      description: "`expired` once its lease ran out (L3): listed, not resolvable, removed after the grace period.",
    }),
    lease: Type.Optional(LeaseView),
  },
  { additionalProperties: true, description: "The module held under this name in the current session." },
);

/** One capability with its address and both schemas. */
export const CapabilityView = Type.Object(
  {
    address: Type.String({ description: "`module/action`: always unique (S8)." }),
    name: Type.String({
      description: "The shortest name that resolves to it: the bare action where one module declares it.",
    }),
    module: Type.String(),
    version: Type.String(),
    action: Type.String(),
    description: Type.String(),
    input_schema: Type.Object({}, { additionalProperties: true }),
    output_schema: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

/** `GET /v1/actions`: the shape RUNE's own planned API uses. */
export const ActionView = Type.Object({
  name: Type.String({ description: "The bare action where one module declares it, `module/action` where several do." }),
  description: Type.String(),
  input_schema: Type.Object({}, { additionalProperties: true }),
  output_schema: Type.Object({}, { additionalProperties: true }),
  module: Type.String(),
  version: Type.String(),
});

/** `GET /v1/session`: the current session and its counts. */
export const SessionView = Type.Object({
  id: Type.String(),
  startedAt: Type.String(),
  modules: Type.Integer(),
  capabilities: Type.Integer(),
  decisions: Type.Integer(),
  rejected: Type.Integer(),
});

/** `POST /v1/capabilities/{action}/validate`: the body. */
export const ValidateBody = Type.Object(
  { input: Type.Optional(Type.Unknown()), output: Type.Optional(Type.Unknown()) },
  {
    additionalProperties: false,
    description: 'Exactly one of `{"input": ...}` or `{"output": ...}`.',
  },
);

/** `POST /v1/capabilities/{action}/validate`: the answer (RULES.md I1). */
export const ValidateAnswer = Type.Object({
  valid: Type.Boolean(),
  errors: Type.Optional(List(ErrorItem)),
});

/** A session as stores keep it. */
const SessionBody = Type.Object({ id: Type.String({ minLength: 1 }), startedAt: Type.String() });

/** A module held, as stores keep it (core `ModuleRecord`). */
const ModuleRecordBody = Type.Object({
  payload: RegistrationPayload,
  source: Type.String(),
  acceptedAt: Type.String({ description: "ISO 8601 UTC time it was accepted." }),
  decisionId: Type.String({ description: "The decision that accepted it (S9)." }),
  lease: Type.Optional(
    Type.Object(
      { seconds: Type.Integer({ minimum: 1 }) },
      { description: "The lease granted (L1): it lives while heartbeats renew it." },
    ),
  ),
  state: Type.Optional(Type.Literal("expired", { description: "Its lease ran out (L3); absent: live." })),
});

/** The catalog data a store keeps (core `CatalogData`). */
export const CatalogDataBody = Type.Object({
  session: SessionBody,
  modules: Type.Record(Type.String(), ModuleRecordBody),
  decisions: List(DecisionView),
});

/** The changes of a store's log (core `Change`, RULES.md R1), each with `extra` members. */
const changeVariants = (extra: Record<string, TSchema>) =>
  Type.Union([
    Type.Object(
      { type: Type.Literal("session.opened"), session: SessionBody, ...extra },
      { description: "A new session opens: every module and decision of the previous one is dropped (S10)." },
    ),
    Type.Object(
      { type: Type.Literal("module.put"), record: ModuleRecordBody, ...extra },
      {
        description:
          "A registration is held under its name: accepted (S2) or upgraded (S3), with its decision in the same batch.",
      },
    ),
    Type.Object(
      { type: Type.Literal("module.removed"), module: Type.String(), ...extra },
      {
        description:
          "The module of this name leaves the catalog: removed (L3) or deregistered (L4), right after its decision.",
      },
    ),
    Type.Object(
      {
        type: Type.Literal("module.state"),
        module: Type.String(),
        state: Type.Union([Type.Literal("live"), Type.Literal("expired")]),
        ...extra,
      },
      { description: "The module of this name expired (L3) or is live again, right after its decision." },
    ),
    Type.Object(
      { type: Type.Literal("decision.recorded"), decision: DecisionView, ...extra },
      { description: "A decision is recorded (S9)." },
    ),
  ]);

/** One change, as `POST /v1/store/commit` takes it. */
export const ChangeBody = changeVariants({});

/** One change with the revision its store gave it, as `GET /v1/store/changes` answers it. */
export const RevisionedChangeBody = changeVariants({ revision: Type.Integer({ minimum: 1 }) });

/** `GET /v1/store`: the state and its revision (as `RegistryStore.load`), `null` when the store holds no session (revision 0). */
export const StoreAnswer = Type.Object({
  snapshot: Nullable(Type.Object({ revision: Type.Integer({ minimum: 1 }), data: CatalogDataBody })),
});

/** `GET /v1/store/changes`: the query. */
export const StoreChangesQuery = Type.Object({
  since: Type.Integer({ minimum: 0, description: "The revision already held: the changes after it are answered." }),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: "At most this many changes (at most 1,000; a larger limit is read as 1,000).",
    }),
  ),
});

/** `200` of `GET /v1/store/changes` (as `RegistryStore.changesSince`). */
export const StoreChangesPage = Type.Object(
  {
    ok: Type.Literal(true),
    changes: List(RevisionedChangeBody, { description: "In revision order, consecutive, from `since + 1`." }),
    revision: Type.Integer({
      minimum: 0,
      description: "The store's latest revision: more changes follow when it is beyond the last one answered.",
    }),
  },
  { description: "The changes after `since`, oldest first (RULES.md R1, R2)." },
);

/** `410` of `GET /v1/store/changes`: `since` is older than the oldest change kept (RULES.md R3). */
export const StoreCompacted = Type.Object(
  {
    ok: Type.Literal(false),
    compacted: Type.Literal(true),
    oldest: Type.Integer({
      description: "The oldest revision kept: read the state again (`GET /v1/store`) and follow from there.",
    }),
  },
  { description: "The changes after `since` are no longer kept (R3): read the state again." },
);

/** `POST /v1/store/commit`: what is checked before the handler (the changes themselves by the core's `verifyChanges`). */
export const StoreCommitBody = Type.Object(
  {
    expected: Type.Integer({
      minimum: 0,
      description: "The revision the changes were decided on; `0`: the store must be empty.",
    }),
    changes: Type.Array(Type.Unknown()),
  },
  { additionalProperties: false },
);

/** `POST /v1/store/commit`: the body as the documentation shows it. */
export const StoreCommitBodyDoc = Type.Object(
  {
    expected: Type.Integer({
      minimum: 0,
      description: "The revision the changes were decided on; `0`: the store must be empty.",
    }),
    changes: List(ChangeBody, {
      minItems: 1,
      description:
        "Appended all or nothing, taking revisions `expected + 1` on; checked against RULES.md E1-E12 and S1-S11 first.",
    }),
  },
  { additionalProperties: false },
);

/** `200` of `POST /v1/store/commit`. */
export const StoreCommitted = Type.Object(
  {
    ok: Type.Literal(true),
    revision: Type.Integer({ minimum: 1, description: "The revision of the last change appended." }),
  },
  { description: "Appended: the changes took revisions `expected + 1` to `revision`." },
);

/** `409` of `POST /v1/store/commit`: another writer went first; read the changes since and decide again. */
export const StoreConflict = Type.Object(
  {
    ok: Type.Literal(false),
    conflict: Type.Literal(true),
    revision: Type.Integer({ minimum: 0, description: "The revision the store holds now." }),
  },
  { description: "The store is no longer at `expected`: nothing was appended." },
);

/** `GET /v1/decisions`: the query. */
export const DecisionsQuery = Type.Object({
  module: Type.Optional(Type.String({ description: "Only the decisions about this module name." })),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        "At most this many, the newest of those that match (default and most: 1,000; a larger limit is read as 1,000).",
    }),
  ),
  before: Type.Optional(
    Type.String({
      description: "A decision id: only the decisions older than it (the `next` of the page before).",
    }),
  ),
});

/** `GET /v1/decisions`: one page, oldest first. */
export const DecisionPage = Type.Object({
  decisions: List(DecisionView, {
    description: "The newest `limit` decisions that match, older than `before`, oldest first.",
  }),
  next: Type.Optional(
    Type.String({ description: "Present when older decisions match: pass it as `before` for the next page back." }),
  ),
});

/** `GET /healthz` when ready. */
export const HealthAnswer = Type.Object({
  ready: Type.Literal(true),
  session: Type.String(),
});

/** `GET /v1/events`: the query. */
export const EventsQuery = Type.Object({
  since: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "Replay the changes after this revision first (R2). `Last-Event-ID` wins over it (EventSource sends it when it reconnects). Without either: from now on.",
    }),
  ),
});

/** `GET /v1/events`: the headers it reads. */
export const EventsHeaders = Type.Object({
  "last-event-id": Type.Optional(
    Type.String({
      description:
        "The `id:` of the last event received (a revision): the stream resumes after it, none missed and none twice (R2). EventSource sends it by itself when it reconnects.",
    }),
  ),
});

/** One change as readers see it (core `RegistryEvent`): the `data:` of an event, an item of `GET /v1/changes`. */
export const ChangeEventBody = Type.Union([
  Type.Object(
    { type: Type.Literal("decision"), revision: Type.Integer({ minimum: 1 }), decision: DecisionView },
    { description: "A decision was recorded (S9)." },
  ),
  Type.Object(
    { type: Type.Literal("session"), revision: Type.Integer({ minimum: 1 }), session: SessionBody },
    { description: "A new session opened (S10): every module and decision of the previous one is gone." },
  ),
  Type.Object(
    {
      type: Type.Literal("module"),
      revision: Type.Integer({ minimum: 1 }),
      module: Type.String(),
      action: Type.Union(
        [Type.Literal("put"), Type.Literal("removed"), Type.Literal("expired"), Type.Literal("live")],
        {
          description:
            "Held under its name (with `record`: accepted or upgraded), taken out, expired, live again (L3, L4).",
        },
      ),
      record: Type.Optional(ModuleRecordBody),
    },
    { description: "A module changed in the catalog." },
  ),
]);

/** `GET /v1/changes`: the query. */
export const ChangesQuery = Type.Object({
  since: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: "The revision already seen: the changes after it are answered. Default 0.",
    }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        "At most this many changes (default and most: 1,000; a larger limit is read as 1,000). A page also stops past 4 MiB of changes, with at least one.",
    }),
  ),
});

/** `200` of `GET /v1/changes`. */
export const ChangesPage = Type.Object(
  {
    changes: List(ChangeEventBody, { description: "In revision order, consecutive, from `since + 1`." }),
    next: Type.Integer({
      minimum: 0,
      description: "The `since` of the next page: the revision of the last change answered, or `since` when none.",
    }),
    revision: Type.Integer({
      minimum: 0,
      description:
        "The store's latest revision: more changes follow while `next` is below it. Below `since`: this store does not hold that revision (it was replaced): read the catalog again.",
    }),
  },
  { description: "The changes after `since`, oldest first, as events (RULES.md R2)." },
);

/** `410` of `GET /v1/changes`: the error body with the oldest revision held (RULES.md R3). */
export const ChangesCompacted = Type.Object(
  {
    errors: List(ErrorItem, { minItems: 1 }),
    oldest: Type.Integer({
      description: "The oldest revision whose change is kept: read the catalog again and follow from its revision.",
    }),
  },
  { description: "REVISION_COMPACTED (R3): the changes after `since` are no longer kept." },
);

/** The conditional read of a catalog route (RULES.md R4). */
export const ConditionalHeaders = Type.Object({
  "if-none-match": Type.Optional(
    Type.String({
      description:
        "An ETag this route answered before: `304` with no body while the catalog is still at that revision (R4).",
    }),
  ),
});

/** The `ETag` a catalog read answers with (RULES.md R4). */
export const EtagHeader = {
  ETag: Type.String({
    description:
      'The revision of the catalog the answer shows: `"rN"` (weak, `W/"rN"`, on module reads: a lease\'s `expires_at` moves with heartbeats within one revision).',
  }),
};

/** The registration payload, for the documentation of `POST /v1/registrations` only (the core validates it). */
export const RegistrationBodyDoc = RegistrationPayload;

/** One error of an answer (static type of {@link ErrorItem}). */
export type ErrorItem = Static<typeof ErrorItem>;
/** The body of a `201`/`200` registration answer. */
export type RegistrationAnswer = Static<typeof RegistrationAnswer>;
/** A module as `GET /v1/modules/{name}` shows it: the payload, its metadata hoisted, source and time. */
export type ModuleView = Static<typeof ModuleView>;
/** A module's lease as the API shows it. */
export type LeaseView = Static<typeof LeaseView>;
/** A capability as `GET /v1/capabilities/{action}` shows it: address, module, version and both schemas. */
export type CapabilityView = Static<typeof CapabilityView>;
/** One entry of `GET /v1/actions`. */
export type ActionView = Static<typeof ActionView>;
/** `GET /v1/session`: the session and its counts. */
export type SessionView = Static<typeof SessionView>;
/** A recorded decision as the API shows it (RULES.md S9). */
export type DecisionView = Static<typeof DecisionView>;
