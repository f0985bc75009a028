import {
  type CHANGE_TYPES,
  type Change,
  MAX_DECISIONS,
  MrsFailure,
  mrsError,
  type RevisionedChange,
  type Session,
} from "@rune/mrs-core";

/**
 * What the `body` column of `changes` holds for each change type: the one member the type
 * carries besides `type`, or (`null`) an object of its members (`module.state`: `module` and
 * `state`). Every type the core knows must be here (a compile error otherwise); `module.state`
 * (RULES.md L3) is kept whether or not the core in use sends it.
 */
const BODY_MEMBER: Readonly<Record<(typeof CHANGE_TYPES)[number] | "module.state", string | null>> = {
  "session.opened": "session",
  "module.put": "record",
  "module.removed": "module",
  "module.state": null,
  "decision.recorded": "decision",
};

type ChangeType = keyof typeof BODY_MEMBER;

function isChangeType(type: unknown): type is ChangeType {
  return typeof type === "string" && Object.hasOwn(BODY_MEMBER, type);
}

/** A module's state as a `module.state` change sets it (RULES.md L3). */
type ModuleState = "live" | "expired";

/**
 * A batch of changes as the commit statement takes it: each change's type and body (in the
 * order of the batch, 1-based positions), and what the batch does to the `modules` and
 * `decisions` tables once reduced to its net effect, so that one statement applies it without
 * touching a row twice, with the result `applyChanges` gives.
 */
export interface EncodedBatch {
  readonly types: readonly string[];
  /** A JSON array of the bodies: each element's text is what the `body` column keeps. */
  readonly bodies: string;
  /** The position of the last `session.opened` (0: none): the tables start over from it. */
  readonly sessionAt: number;
  /** The modules put: the last put of each name after `sessionAt`, unless removed after it. */
  readonly putAt: readonly number[];
  readonly putNames: readonly string[];
  /** The state set after each put by a later `module.state` (null: none, the record as put). */
  readonly putStates: readonly (ModuleState | null)[];
  /** The names whose last change after `sessionAt` removes them. */
  readonly removed: readonly string[];
  /** The names neither put nor removed whose state a `module.state` sets (the row, if held). */
  readonly stateNames: readonly string[];
  readonly states: readonly ModuleState[];
  /** The decisions recorded after `sessionAt`, at most the latest `MAX_DECISIONS`. */
  readonly decisionsAt: readonly number[];
}

/** A change as the encoder reads it: any of the types, checked member by member. */
type AnyChange = { readonly type?: unknown } & Record<string, unknown>;

/** What a batch leaves of one module name. */
type Net =
  | { readonly kind: "put"; readonly at: number; readonly state: ModuleState | null }
  | { readonly kind: "removed" }
  | { readonly kind: "state"; readonly state: ModuleState };

/**
 * Encodes a batch for the commit statement. Throws a `TypeError`, before anything is sent, on
 * a change that is not one of the known types or lacks what it needs (a put without a module
 * name), and whatever `JSON.stringify` throws on a value JSON cannot carry (a `BigInt`).
 */
export function encodeBatch(changes: readonly Change[]): EncodedBatch {
  let sessionAt = 0;
  const types: ChangeType[] = [];
  const bodies: unknown[] = [];
  changes.forEach((change, index) => {
    const { type } = change as unknown as AnyChange;
    if (!isChangeType(type)) throw new TypeError(`change ${index + 1} has no known type: ${JSON.stringify(type)}`);
    types.push(type);
    bodies.push(bodyOf(change as unknown as AnyChange, type, index + 1));
    if (type === "session.opened") sessionAt = index + 1;
  });
  const net = new Map<string, Net>();
  const decisionsAt: number[] = [];
  for (let at = sessionAt + 1; at <= changes.length; at++) {
    const type = types[at - 1];
    const body = bodies[at - 1];
    if (type === "module.put") net.set(moduleNameOf(body, at), { kind: "put", at, state: null });
    else if (type === "module.removed") net.set(body as string, { kind: "removed" });
    else if (type === "module.state") {
      const { module, state } = body as { module: string; state: ModuleState };
      const held = net.get(module);
      // As applyChanges: a state change on a module the batch removed (or, after a new session,
      // never put) changes nothing.
      if (held?.kind === "put") net.set(module, { ...held, state });
      else if (held === undefined && sessionAt === 0) net.set(module, { kind: "state", state });
      else if (held?.kind === "state") net.set(module, { kind: "state", state });
    } else if (type === "decision.recorded") decisionsAt.push(at);
  }
  const batch = {
    putAt: [] as number[],
    putNames: [] as string[],
    putStates: [] as (ModuleState | null)[],
    removed: [] as string[],
    stateNames: [] as string[],
    states: [] as ModuleState[],
  };
  for (const [name, effect] of net) {
    if (effect.kind === "put") {
      batch.putAt.push(effect.at);
      batch.putNames.push(name);
      batch.putStates.push(effect.state);
    } else if (effect.kind === "removed") batch.removed.push(name);
    else {
      batch.stateNames.push(name);
      batch.states.push(effect.state);
    }
  }
  return {
    types,
    bodies: JSON.stringify(bodies),
    sessionAt,
    ...batch,
    decisionsAt: decisionsAt.slice(-MAX_DECISIONS),
  };
}

/** The body of a change (see {@link BODY_MEMBER}), checked. */
function bodyOf(change: AnyChange, type: ChangeType, at: number): unknown {
  const member = BODY_MEMBER[type];
  if (member === null) {
    const { module, state } = change;
    if (typeof module !== "string" || (state !== "live" && state !== "expired")) {
      throw new TypeError(`change ${at} (${type}) needs a string "module" and a "state" of "live" or "expired"`);
    }
    return { module, state };
  }
  const body = change[member];
  const wanted = type === "module.removed" ? "string" : "object";
  if (typeof body !== wanted || body === null)
    throw new TypeError(`change ${at} (${type}) has no ${wanted} "${member}"`);
  return body;
}

function moduleNameOf(record: unknown, at: number): string {
  const name = (record as { payload?: { registration_metadata?: { module_name?: unknown } } }).payload
    ?.registration_metadata?.module_name;
  if (typeof name !== "string") throw new TypeError(`change ${at} (module.put) has no payload module_name`);
  return name;
}

/** A row of `changes` as the statements select it: numbers and JSON as text, parsed here. */
export interface ChangeRow {
  readonly revision: string;
  readonly type: string;
  readonly body: string;
}

/** A change row as the change it records, or `STORE_CORRUPT` naming the table. */
export function changeFromRow(row: ChangeRow, table: string): RevisionedChange {
  const revision = revisionOf(row.revision, table);
  if (!isChangeType(row.type)) throw corrupt(table, `the change at revision ${revision} has the type ${row.type}`);
  const body = parse(row.body, table, `the change at revision ${revision}`);
  const member = BODY_MEMBER[row.type];
  if (member !== null) return { type: row.type, [member]: body, revision } as unknown as RevisionedChange;
  const { module, state } = body as { module?: unknown; state?: unknown };
  return { type: row.type, module, state, revision } as unknown as RevisionedChange;
}

/**
 * A module row as the record the catalog holds: the record as put, with the state a later
 * `module.state` set (the `state` column), as `applyChanges` makes it.
 */
export function recordOf(record: unknown, state: string | null): unknown {
  if (state === null || typeof record !== "object" || record === null) return record;
  const held = record as Record<string, unknown>;
  delete held.state;
  if (state === "expired") held.state = "expired";
  return held;
}

/** A revision column read as text: an integer from 0 to 2^53-1, or `STORE_CORRUPT`. */
export function revisionOf(text: string, table: string): number {
  const revision = Number(text);
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw corrupt(table, `a revision ${JSON.stringify(text)} is not an integer from 0 to 2^53-1`);
  }
  return revision;
}

/** The session column, which must be an object with string `id` and `startedAt`. */
export function sessionOf(text: string, table: string): Session {
  const session = parse(text, table, "the session");
  if (!isObject(session) || typeof session.id !== "string" || typeof session.startedAt !== "string") {
    throw corrupt(table, 'its session is not an object with string "id" and "startedAt"');
  }
  return session as unknown as Session;
}

/** Parses a JSON column. JSON.parse keeps "__proto__" as an own data key (RULES.md E12), unlike an assignment. */
export function parse(text: string, table: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw corrupt(table, `${what} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `STORE_CORRUPT`: what the store read cannot be a catalog. Nothing is written over it. */
export function corrupt(table: string, problem: string): MrsFailure {
  return new MrsFailure([
    mrsError("STORE_CORRUPT", "", `the PostgreSQL table ${table} cannot be read: ${problem}; it was left untouched`, {
      hint: `restore the schema from a backup; to start over, drop the schema: the next LOM to start opens a new session`,
    }),
  ]);
}
