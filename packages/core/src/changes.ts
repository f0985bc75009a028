import { type CatalogData, type Decision, MAX_DECISIONS, type ModuleRecord, type Session } from "./model.js";
import type { RegistryEvent } from "./registry-types.js";

/**
 * One change of a store's log (RULES.md R1). A commit is a list of these; each takes the next
 * revision. Plain JSON, like the rest of the model.
 */
export type Change =
  /** A new session opens: every module and decision of the previous one is dropped (S10: a refresh). */
  | { readonly type: "session.opened"; readonly session: Session }
  /** A registration is held under its name (S2 accepted, S3 upgraded: it replaces the one held). */
  | { readonly type: "module.put"; readonly record: ModuleRecord }
  /** The module of this name leaves the catalog. */
  | { readonly type: "module.removed"; readonly module: string }
  /** The module of this name expired (its lease ran out, L3), or is live again (a heartbeat in the grace period). */
  | { readonly type: "module.state"; readonly module: string; readonly state: "live" | "expired" }
  /** A decision is recorded (S9). */
  | { readonly type: "decision.recorded"; readonly decision: Decision };

/** Every kind of change, for readers and validators. */
export const CHANGE_TYPES = [
  "session.opened",
  "module.put",
  "module.removed",
  "module.state",
  "decision.recorded",
] as const;

/** A change with the revision its store gave it. */
export type RevisionedChange = Change & { readonly revision: number };

/** A new, empty session. */
export function emptyCatalog(session: Session): CatalogData {
  return { session, modules: {}, decisions: [] };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Applies changes in order to `data`, in place, and returns the state after them: `data` itself,
 * or a new object from the last `session.opened` on (a new session starts from nothing). Costs
 * what the changes are, never the size of the catalog: stores replaying their log and registries
 * following one both use it. Decisions past {@link MAX_DECISIONS} drop off, oldest first.
 *
 * `data` may be `null` (an empty store): the first change must then open a session.
 */
export function applyChanges(data: CatalogData | null, changes: readonly Change[]): CatalogData {
  let state = data as Mutable<CatalogData> | null;
  for (const change of changes) {
    if (change.type === "session.opened") {
      state = emptyCatalog(change.session) as Mutable<CatalogData>;
      continue;
    }
    if (state === null) throw new Error(`a ${change.type} change before any session.opened`);
    switch (change.type) {
      case "module.put":
        (state.modules as Record<string, ModuleRecord>)[change.record.payload.registration_metadata.module_name] =
          change.record;
        break;
      case "module.removed":
        delete (state.modules as Record<string, ModuleRecord>)[change.module];
        break;
      case "module.state": {
        const modules = state.modules as Record<string, ModuleRecord>;
        const held = Object.hasOwn(modules, change.module) ? modules[change.module] : undefined;
        if (held === undefined) break;
        const { state: _previous, ...live } = held;
        modules[change.module] = change.state === "expired" ? { ...live, state: "expired" } : live;
        break;
      }
      case "decision.recorded":
        (state.decisions as Decision[]).push(change.decision);
        break;
    }
  }
  if (state === null) throw new Error("no session: the changes open none");
  trimDecisions(state.decisions as Decision[]);
  return state;
}

/** The event a stored change is to readers (the registry's subscribers, `GET /v1/events`): one per change. */
export function eventOf(change: RevisionedChange): RegistryEvent {
  return eventAt(change, change.revision);
}

/**
 * {@link eventOf} for a change as committed, its revision beside it: the registry emits its own
 * commits without making a revisioned copy of each change only to read its revision here.
 */
export function eventAt(change: Change, revision: number): RegistryEvent {
  switch (change.type) {
    case "session.opened":
      return { type: "session", revision, session: change.session };
    case "decision.recorded":
      return { type: "decision", revision, decision: change.decision };
    case "module.put": {
      const module = change.record.payload.registration_metadata.module_name;
      return { type: "module", revision, module, action: "put", record: change.record };
    }
    case "module.removed":
      return { type: "module", revision, module: change.module, action: "removed" };
    case "module.state":
      return { type: "module", revision, module: change.module, action: change.state };
  }
}

/** Past this many decisions to drop at once, one `splice` moves the list once rather than `shift` each. */
const SHIFT_AT_MOST = 64;

/**
 * Drops the oldest decisions past {@link MAX_DECISIONS}. A commit adds a few: `shift` drops them
 * in place (V8 moves the start of the array's storage, not its elements), where `splice(0, n)`
 * moved all 10,000 on every commit of a full session (35 µs each, measured; issue #16's POST
 * profile). A replay of many decisions moves the list once.
 */
function trimDecisions(decisions: Decision[]): void {
  const excess = decisions.length - MAX_DECISIONS;
  if (excess <= 0) return;
  if (excess > SHIFT_AT_MOST) decisions.splice(0, excess);
  else for (let i = 0; i < excess; i++) decisions.shift();
}
