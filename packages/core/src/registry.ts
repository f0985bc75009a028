import type { RegistrationPayload } from "@rune/mrs-schema";
import { CatalogIndex } from "./catalog.js";
import { releasePayloadJson } from "./change-json.js";
import type { Change } from "./changes.js";
import { applyChanges, eventAt } from "./changes.js";
import { type CheckedRegistration, type CompatibilityPolicy, type Decided, decideRegistrations } from "./decide.js";
import { registrationDigest } from "./digest.js";
import { type MrsError, MrsFailure, mrsError } from "./errors.js";
import { isFrozenWhole } from "./frozen.js";
import { DEFAULT_LEASE_BOUNDS, LeaseBook } from "./leases.js";
import { deregistrationChanges, heldModule, revivalChanges, sweepChanges } from "./liveness.js";
import type { CatalogData, Decision, ModuleRecord } from "./model.js";
import type {
  DecisionQuery,
  DeregisterResult,
  DiscoveryReport,
  HeartbeatOptions,
  HeartbeatResult,
  LeaseInfo,
  RegisterOptions,
  RegisterResult,
  Registry,
  RegistryEvent,
  RegistryOptions,
  SessionInfo,
} from "./registry-types.js";
import type { Discovery, RegistrationInput } from "./source.js";
import type { ChangesPage } from "./store.js";
import { checkRegistration, declaredMetadata, parseRegistration, type SchemaValidator } from "./validate.js";
import { compileRegisteredSchema } from "./validation/engine.js";
import { payloadJson, SchemaTexts } from "./validation/payload-json.js";
import { validatePayload } from "./validation/registration.js";
import type { InstanceCheck, ValidationResult } from "./validation-types.js";

/** How often a writer catches up and decides again after losing a compare-and-set race before giving up. */
const MAX_COMMIT_ATTEMPTS = 50;
/** The longest pause between two attempts (ms): 50 attempts wait out a burst of a few seconds. */
const MAX_BACKOFF_MS = 200;
/** The most registrations decided and committed together (group commit, RULES.md R1). */
const MAX_BATCH = 1_000;
/** How many changes one catch-up asks the store for at a time. */
const CATCH_UP_PAGE = 5_000;
/** How often leases are swept (L3: each step at most 1 s after its deadline). */
const SWEEP_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The runtime's "after the I/O already read" timer, as it was when this module loaded: a host's
 * fake timers, installed later, do not hold registrations back. `setTimeout(0)` where there is no
 * `setImmediate` (a browser).
 */
const defer: (run: () => void) => void =
  typeof setImmediate === "function"
    ? (run) => {
        setImmediate(run);
      }
    : (run) => {
        setTimeout(run, 0);
      };
/** Resolves on the event loop's next turn. */
const nextTurn = () => new Promise<void>((resolve) => defer(resolve));

/**
 * Creates a registry on a store (RULES.md S1-S11, R1, I1-I2). Call {@link Registry.start} first:
 * it resumes the store's session (or opens one) and runs discovery on the sources.
 *
 * @example
 * const registry = createRegistry({ store: memoryStore() });
 * await registry.start();
 * const result = await registry.register({ payload }, "example");
 * if (!result.ok) console.error(result.errors);
 */
export function createRegistry(options: RegistryOptions): Registry {
  return new RegistryImpl(options);
}

/** The validator of the last action checked, and the index (at which change) it was found in. */
interface LastChecked {
  readonly ref: string;
  readonly which: "input" | "output";
  readonly index: CatalogIndex;
  readonly generation: number;
  readonly validator: SchemaValidator;
}

/** A registration waiting for the next group commit. */
interface Pending {
  readonly checked: CheckedRegistration;
  readonly settle: (result: RegisterResult) => void;
}

class RegistryImpl implements Registry {
  private readonly store;
  private readonly sources;
  private readonly clock;
  private readonly newId;
  /** The state at {@link revision}, changed in place as changes are applied; `null` before a session. */
  private state: CatalogData | null = null;
  private held = 0;
  private loaded = false;
  private index = new CatalogIndex(null);
  private storeOk = false;
  private readonly listeners = new Set<(event: RegistryEvent) => void>();
  /** Store work from this process goes one task at a time: commits, catch-ups, starts. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Registrations that arrived since the last group commit started. */
  private pending: Pending[] = [];
  private flushQueued = false;
  private unwatch: (() => void) | undefined;
  private readonly monotonic: () => number;
  /** Lease deadlines (L1-L3, L6): in memory, so a heartbeat costs no durable write. */
  private readonly leases: LeaseBook;
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the next sweep was scheduled (monotonic ms): a much longer wait than asked for means the LOM was away (L6). */
  private lastSweep: number | null = null;
  private closed = false;
  private readonly compatibility: CompatibilityPolicy;
  /** Whether a payload's JSON text is kept for its commit: only for a store that writes JSON. */
  private readonly keepsJson: boolean;
  /**
   * The validator of the last action checked. Calls come in runs to one action (a host checking
   * each call it dispatches), and there the lookups by reference would cost more than the check
   * itself; any change to the index, or another index, makes it stale.
   */
  private lastChecked: LastChecked | undefined;

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.sources = options.sources ?? [];
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? (() => globalThis.crypto.randomUUID());
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.compatibility = options.compatibility ?? "warn";
    this.keepsJson = options.store.writesJson === true;
    this.leases = new LeaseBook({ ...DEFAULT_LEASE_BOUNDS, ...options.leases }, this.monotonic);
  }

  get ready(): boolean {
    return this.state !== null && this.storeOk;
  }

  get revision(): number {
    return this.held;
  }

  start(options: { readonly refresh?: boolean } = {}): Promise<DiscoveryReport> {
    return this.serial(async () => {
      const report = await this.discover(options.refresh === true);
      if (this.unwatch === undefined) {
        const unwatchChanges = this.store.watch?.(() => void this.reload().catch(() => undefined));
        // Heartbeats other LOMs on the same store received renew the leases here too (L6).
        const unwatchBeats = this.store.watchHeartbeats?.((name) => this.renewHere(name));
        this.unwatch = () => {
          unwatchChanges?.();
          unwatchBeats?.();
        };
      }
      return report;
    });
  }

  refresh(): Promise<DiscoveryReport> {
    return this.serial(() => this.discover(true));
  }

  register(input: RegistrationInput, source: string, options: RegisterOptions = {}): Promise<RegisterResult> {
    // Validation is pure CPU work: done before joining the queue.
    const lease = options.lease;
    if (lease !== undefined && !(Number.isSafeInteger(lease) && lease > 0)) {
      return Promise.resolve(invalidLease(toChecked(input, source, this.keepsJson), lease));
    }
    const checked: CheckedRegistration = {
      ...toChecked(input, source, this.keepsJson),
      ...(lease === undefined ? {} : { lease: this.leases.clamp(lease) }),
    };
    return new Promise((settle) => {
      this.pending.push({ checked, settle });
      this.queueFlush();
    });
  }

  reload(): Promise<void> {
    return this.serial(() => this.catchUp());
  }

  changes(since: number, limit?: number): Promise<ChangesPage> {
    return this.guard(() => this.store.changesSince(since, limit));
  }

  async heartbeat(name: string, options: HeartbeatOptions = {}): Promise<HeartbeatResult> {
    const record = heldModule(this.current(), name);
    const refused = heartbeatRefusal(name, record, options.version);
    if (refused !== null || record?.lease === undefined) return { ok: false, errors: [refused as MrsError] };
    if (record.state === "expired") {
      // Live again: a durable decision, so that every LOM and reader sees it (L3).
      try {
        await this.serial(() =>
          this.commitDecided((held) => ({
            changes: revivalChanges(held, name, options.source ?? "heartbeat", this.stamp()),
            decisions: [],
            unchanged: 0,
          })),
        );
      } catch (error) {
        return { ok: false, errors: storeErrors(error) };
      }
    } else {
      this.leases.grant(name, record.lease.seconds);
      // Cheap by design: no durable write; other LOMs on the same store hear of it if it can tell them.
      void this.store.publishHeartbeat?.(name).catch(() => undefined);
    }
    const meta = record.payload.registration_metadata;
    return { ok: true, module: name, version: meta.module_version, lease: this.leaseView(name) as LeaseInfo };
  }

  async deregister(name: string, options: { readonly source?: string } = {}): Promise<DeregisterResult> {
    if (heldModule(this.current(), name) === undefined) return { ok: false, errors: [unknownModule(name)] };
    try {
      const decided = await this.serial(() =>
        this.commitDecided((held) => {
          const changes = deregistrationChanges(held, name, options.source ?? "deregister", this.stamp());
          const decision = changes[0]?.type === "decision.recorded" ? [changes[0].decision] : [];
          return { changes, decisions: decision, unchanged: 0 };
        }),
      );
      const decision = decided.decisions[0];
      return decision === undefined ? { ok: false, errors: [unknownModule(name)] } : { ok: true, decision };
    } catch (error) {
      return { ok: false, errors: storeErrors(error) };
    }
  }

  lease(name: string): LeaseInfo | undefined {
    return this.leaseView(name);
  }

  session(): SessionInfo {
    const data = this.current();
    let rejected = 0;
    for (const d of data.decisions) if (d.outcome === "rejected") rejected += 1;
    return {
      ...data.session,
      modules: this.index.moduleCount,
      capabilities: this.index.capabilityCount,
      decisions: data.decisions.length,
      rejected,
    };
  }

  modules() {
    return this.catalog().modules;
  }

  module(name: string) {
    return this.catalog().module(name);
  }

  capabilities() {
    return this.catalog().capabilities;
  }

  resolveAction(ref: string) {
    return this.catalog().resolveAction(ref);
  }

  decisions(query: DecisionQuery = {}): readonly Decision[] {
    const all = this.current().decisions;
    let end = all.length;
    if (query.before !== undefined) {
      const at = all.findLastIndex((d) => d.id === query.before);
      end = Math.max(at, 0);
    }
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const found: Decision[] = [];
    for (let i = end - 1; i >= 0 && found.length < limit; i--) {
      const decision = all[i] as Decision;
      if (query.module === undefined || decision.module === query.module) found.push(decision);
    }
    return found.reverse();
  }

  validateInput(ref: string, input: unknown): InstanceCheck {
    return this.validateInstance(ref, input, "input");
  }

  validateOutput(ref: string, output: unknown): InstanceCheck {
    return this.validateInstance(ref, output, "output");
  }

  subscribe(listener: (event: RegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    await this.queue.catch(() => undefined);
    this.unwatch?.();
    this.unwatch = undefined;
    this.listeners.clear();
    await Promise.allSettled(this.sources.map((s) => s.close?.()));
    await this.store.close?.();
  }

  // ---- internals ----

  private validateInstance(ref: string, value: unknown, which: "input" | "output"): InstanceCheck {
    const code = which === "input" ? "INPUT_INVALID" : "OUTPUT_INVALID";
    const index = this.catalog();
    const last = this.lastChecked;
    if (
      last !== undefined &&
      last.ref === ref &&
      last.which === which &&
      last.index === index &&
      last.generation === index.generation
    ) {
      return last.validator.check(value, code);
    }
    // Both steps are remembered where they live: the resolution by the catalog index until its
    // next change, the compiled validator by the engine for the schema object itself.
    const resolved = index.resolveAction(ref);
    if (!resolved.ok) return { valid: false, errors: resolved.errors };
    const { capability } = resolved.value;
    let validator: SchemaValidator;
    try {
      validator = compileRegisteredSchema(which === "input" ? capability.input_schema : capability.output_schema);
    } catch (error) {
      // A schema that skipped validation (a store written by hand), or one the engine cannot
      // compile (compiled on first use, I1), gets here: answer, don't throw.
      if (error instanceof MrsFailure) return { valid: false, errors: error.errors };
      throw error;
    }
    this.lastChecked = { ref, which, index, generation: index.generation, validator };
    return validator.check(value, code);
  }

  /** Resume (or open) the session and run discovery into it; `fresh` builds a new session aside (S10). */
  private async discover(fresh: boolean): Promise<DiscoveryReport> {
    // The store is read while the sources are: neither waits for the other (a resumed catalog of
    // 100,000 modules takes seconds to load, a folder of manifests as long to read). A store that
    // fails fails the discovery at once.
    const [found] = await Promise.all([this.collect(), this.loaded ? undefined : this.load()]);
    const checked = found.map((d) => toChecked(d, d.origin, this.keepsJson));
    let resumed = false;
    const decided = await this.commitDecided((held) => {
      resumed = held !== null && !fresh;
      return resumed
        ? decideRegistrations(held, checked, this.stamp(), { rediscovery: true, compatibility: this.compatibility })
        : decideRegistrations(null, checked, this.stamp(), {
            openSession: this.newSession(),
            compatibility: this.compatibility,
          });
    });
    return {
      session: this.current().session,
      resumed,
      sources: this.sources.length,
      decisions: decided.decisions,
      unchanged: decided.unchanged,
    };
  }

  private newSession() {
    return { id: this.newId(), startedAt: this.clock().toISOString() };
  }

  /** Every registration the sources hold; a source that fails becomes one rejected input (S9). */
  private async collect(): Promise<Discovery[]> {
    const results = await Promise.allSettled(this.sources.map((source) => source.discover()));
    return results.flatMap((result, i): Discovery[] => {
      if (result.status === "fulfilled") return [...result.value];
      const name = this.sources[i]?.name ?? "source";
      const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
      return [{ origin: name, errors: [mrsError("SOURCE_UNAVAILABLE", "", `source ${name} failed: ${reason}`)] }];
    });
  }

  /**
   * Makes sure one group commit is queued for the registrations pending. It takes its place in
   * the queue now, so it runs before any task asked for later (a `close()`), and waits there one
   * turn of the event loop before taking its batch: every request already read in this turn joins
   * it. A LOM under load then decides, commits and answers its requests in groups, and its
   * answers leave together (measured: about 1.5x the registrations per second over HTTP on the
   * memory store, BENCHMARKS.md case 4).
   */
  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    void this.serial(async () => {
      await nextTurn();
      await this.flush();
    });
  }

  /**
   * One group commit (R1): every registration that arrived while the previous commit was in
   * flight is decided in order and committed in one append. None is answered before the store
   * said its commit is durable (S11).
   */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length > 0) this.queueFlush();
    if (batch.length === 0) return;
    const items = batch.map((p) => p.checked);
    try {
      // A registration before any session (no start() yet, or an empty store) opens one.
      const decided = await this.commitDecided((held) =>
        held === null
          ? decideRegistrations(null, items, this.stamp(), {
              openSession: this.newSession(),
              compatibility: this.compatibility,
            })
          : decideRegistrations(held, items, this.stamp(), { compatibility: this.compatibility }),
      );
      batch.forEach((p, i) => {
        const decision = decided.decisions[i] as Decision;
        const leased = p.checked.lease !== undefined && decision.module !== null && decision.outcome !== "rejected";
        p.settle(toResult(decision, p.checked, leased ? this.leaseView(decision.module as string) : undefined));
      });
    } catch (error) {
      for (const p of batch) p.settle(storeFailure(p.checked, error));
    }
  }

  /**
   * Decide on the state held, compare-and-set its changes; on a conflict (another writer went
   * first) catch up with the store and decide again. Applies and emits the changes once stored.
   * Throws when the store fails: the caller reports STORE_UNAVAILABLE (S11).
   */
  private async commitDecided(decide: (held: CatalogData | null) => Decided): Promise<Decided> {
    if (!this.loaded) await this.load();
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const decided = decide(this.state);
      if (decided.changes.length === 0) return decided;
      const result = await this.guard(() => this.store.commit(this.held, decided.changes)).finally(() =>
        releasePayloadJson(decided.changes),
      );
      if (result.ok) {
        this.follow(decided.changes, result.revision - decided.changes.length + 1);
        return decided;
      }
      // Lost to another writer. Back off a random, growing while before catching up: the
      // winner is already caught up and would otherwise win every race of a burst.
      await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt));
      await this.catchUp();
    }
    throw new MrsFailure([
      mrsError(
        "STORE_UNAVAILABLE",
        "",
        `the store stayed busy: ${MAX_COMMIT_ATTEMPTS} writes in a row lost to other writers`,
      ),
    ]);
  }

  /** Reads the whole state from the store (the first time, or when the changes since ours were compacted away). */
  private async load(): Promise<void> {
    const snapshot = await this.guard(() => this.store.load());
    const before = this.state?.session.id;
    this.state = snapshot?.data ?? null;
    this.held = snapshot?.revision ?? 0;
    this.index = new CatalogIndex(this.state);
    this.loaded = true;
    this.leasesFromState();
    if (this.state !== null && before !== undefined && before !== this.state.session.id) {
      this.emit({ type: "session", revision: this.held, session: this.state.session });
    }
  }

  /** Applies what other writers committed since the revision held, and passes it on as events. */
  private async catchUp(): Promise<void> {
    if (!this.loaded) return this.load();
    for (;;) {
      const page = await this.guard(() => this.store.changesSince(this.held, CATCH_UP_PAGE));
      if (!page.ok) return this.load();
      const fresh = page.changes.filter((change) => change.revision > this.held);
      if (fresh.length > 0) {
        const first = fresh[0]?.revision as number;
        if (first !== this.held + 1) throw new Error(`the store skipped revisions ${this.held + 1}-${first - 1}`);
        this.follow(fresh, first);
      }
      if (fresh.length === 0 || this.held >= page.revision) return;
    }
  }

  /** Applies stored changes (the first with revision `first`) to the state and the index, and emits them. */
  private follow(changes: readonly Change[], first: number): void {
    // One synchronous step: readers see the catalog before the changes or after, never a mix (S10).
    this.state = applyChanges(this.state, changes);
    this.index.apply(changes, this.state);
    this.held = first + changes.length - 1;
    for (const change of changes) this.trackLease(change);
    if (this.listeners.size === 0) return;
    changes.forEach((change, i) => {
      this.emit(eventAt(change, first + i));
    });
  }

  /** Keeps the lease deadlines in step with the catalog's changes, ours and other writers'. */
  private trackLease(change: Change): void {
    switch (change.type) {
      case "session.opened":
        // A new session starts from nothing: the leases were the last session's. The state is
        // already the batch's end, so it is not read here; the batch's own puts grant theirs.
        this.leases.clear();
        break;
      case "module.put": {
        const name = change.record.payload.registration_metadata.module_name;
        if (change.record.lease === undefined) this.leases.forget(name);
        else this.leases.grant(name, change.record.lease.seconds);
        break;
      }
      case "module.removed":
        this.leases.forget(change.module);
        break;
      case "module.state": {
        const lease = heldModule(this.state, change.module)?.lease;
        if (lease === undefined) break;
        if (change.state === "expired") this.leases.markExpired(change.module);
        else this.leases.grant(change.module, lease.seconds);
        break;
      }
      case "decision.recorded":
        break;
    }
    this.scheduleSweep();
  }

  /** Every leased module of the state, its lease in full from now (a start, or a restart: L6). */
  private leasesFromState(): void {
    for (const record of Object.values(this.state?.modules ?? {})) {
      if (record.lease === undefined) continue;
      const name = record.payload.registration_metadata.module_name;
      this.leases.grant(name, record.lease.seconds);
      if (record.state === "expired") this.leases.markExpired(name);
    }
    this.scheduleSweep();
  }

  /** A heartbeat another LOM received (L6): renews the lease here too, if the module is live with one. */
  private renewHere(name: string): void {
    const record = heldModule(this.state, name);
    if (record?.lease !== undefined && record.state !== "expired") this.leases.grant(name, record.lease.seconds);
  }

  /** Sweeps once a second while any lease is held: each step happens at most 1 s after its deadline (L3). */
  private scheduleSweep(): void {
    if (this.sweepTimer !== undefined || this.closed || this.leases.size === 0) return;
    this.lastSweep = this.monotonic();
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      void this.serial(() => this.sweep())
        .catch(() => undefined)
        .finally(() => this.scheduleSweep());
    }, SWEEP_MS);
    this.sweepTimer.unref?.();
  }

  private async sweep(): Promise<void> {
    const now = this.monotonic();
    const scheduled = this.lastSweep;
    // The LOM itself was away (a pause longer than the shortest lease): nobody could heartbeat
    // it. Every lease gets its full length again instead of all expiring at once (L6).
    if (scheduled !== null && now - scheduled > Math.max(this.leases.shortestMs(), 2 * SWEEP_MS)) {
      this.leases.restartAll();
      return;
    }
    const due = this.leases.due(this.index.liveModuleCount);
    if (due.expire.length === 0 && due.remove.length === 0) return;
    await this.commitDecided((held) => ({
      changes: sweepChanges(held, due, this.stamp()),
      decisions: [],
      unchanged: 0,
    }));
  }

  /** The lease of `name` as readers see it: length, wall-clock expiry, state. */
  private leaseView(name: string): LeaseInfo | undefined {
    const lease = this.leases.get(name);
    if (lease === undefined) return undefined;
    const expiresAt = new Date(this.clock().getTime() + (lease.deadline - this.monotonic()));
    return { seconds: lease.seconds, expiresAt: expiresAt.toISOString(), state: lease.expired ? "expired" : "live" };
  }

  /** Runs a store call, tracking whether the store answers (for readiness and `/healthz`). */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      const value = await call();
      this.storeOk = true;
      return value;
    } catch (error) {
      this.storeOk = false;
      throw error;
    }
  }

  private current(): CatalogData {
    if (this.state === null) {
      // An MrsFailure, so every edge answers "not ready" (HTTP 503) rather than a fault of its own.
      throw new MrsFailure([
        mrsError("STORE_UNAVAILABLE", "", "the registry has no session yet: it is starting, or its store is lost", {
          hint: "call start() first; over HTTP, GET /healthz answers 200 once it is ready",
        }),
      ]);
    }
    return this.state;
  }

  private catalog(): CatalogIndex {
    this.current();
    return this.index;
  }

  private stamp() {
    // A batch stamps its decisions within the same millisecond, mostly: `toISOString` costs
    // ~350 ns against ~60 ns for the `Date`, so each millisecond is written once.
    let written = Number.NaN;
    let text = "";
    const now = () => {
      const date = this.clock();
      const ms = date.getTime();
      if (ms !== written) {
        written = ms;
        text = date.toISOString();
      }
      return text;
    };
    return { now, newId: this.newId };
  }

  private emit(event: RegistryEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; it must not fail a registration that was stored.
      }
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** `keepJson`: hand on the payload's JSON text for the commit (the store writes JSON, see `writesJson`). */
function toChecked(input: RegistrationInput, source: string, keepJson: boolean): CheckedRegistration {
  // Text is parsed here rather than in checkRegistration so that a rejected payload's name
  // stays at hand: `lom why NAME` must find the rejection of NAME's broken manifest.
  const parsed = "text" in input ? parseRegistration(input.text) : null;
  const value = parsed === null ? input : parsed.ok ? { payload: parsed.value } : { errors: parsed.errors };
  let result: ValidationResult<RegistrationPayload>;
  let digest: string | null;
  let json: string | undefined;
  if ("payload" in value) {
    // The digest's text reuses the schemas' text that validation writes anyway.
    const schemaTexts = new SchemaTexts();
    result = validatePayload(value.payload, { schemaTexts, parsed: parsed !== null });
    json = payloadJson(value.payload, schemaTexts);
    digest = registrationDigest(json);
  } else {
    result = checkRegistration(value);
    digest = registrationDigest("text" in input ? input.text : null);
  }
  if (result.ok) {
    const meta = result.value.registration_metadata;
    const owned = parsed === null ? ownCopy(result) : result;
    // The text describes the value validated; a copy of it would be another object.
    const text = keepJson && owned === result && json !== undefined ? { json } : {};
    return { result: owned, source, module: meta.module_name, version: meta.module_version, digest, ...text };
  }
  const hinted = "errors" in input && input.module !== undefined ? input.module : null;
  const payload = "payload" in value ? value.payload : undefined;
  return {
    result,
    source,
    module: hinted ?? pick(payload, "module_name"),
    version: pick(payload, "module_version"),
    digest,
  };
}

/**
 * A valid payload handed over as a value, as the registry will hold it: its own copy, so that the
 * caller changing its object later cannot change the catalog behind the rules' back (stores may
 * keep what is committed as it is, and the memory store freezes it). A value frozen whole by
 * {@link freezeDeep} is already nobody's to change (what `memorySource` hands out): it is held as
 * it is; one frozen only at its top is copied. Text the registry parsed itself is its own already.
 */
function ownCopy(result: ValidationResult<RegistrationPayload>): ValidationResult<RegistrationPayload> {
  if (!result.ok || isFrozenWhole(result.value)) return result;
  try {
    return { ...result, value: structuredClone(result.value) };
  } catch {
    // A value that validates but cannot be cloned (a Proxy, say) is held as it was handed over.
    return result;
  }
}

/** The name or version of a rejected payload when it has one that is a plain string (of 256 characters at most). */
function pick(payload: unknown, key: "module_name" | "module_version"): string | null {
  const value = declaredMetadata(payload, key);
  return value !== null && value.length <= 256 ? value : null;
}

function toResult(decision: Decision, checked: CheckedRegistration, lease: LeaseInfo | undefined): RegisterResult {
  if (decision.outcome !== "accepted" && decision.outcome !== "upgraded") {
    return {
      ok: false,
      outcome: "rejected",
      module: decision.module,
      version: decision.version,
      sessionId: decision.sessionId,
      decision,
      errors: decision.errors,
      warnings: checked.result.warnings,
    };
  }
  return {
    ok: true,
    outcome: decision.outcome,
    module: decision.module as string,
    version: decision.version as string,
    ...(decision.previousVersion === undefined ? {} : { previousVersion: decision.previousVersion }),
    ...(lease === undefined ? {} : { lease }),
    sessionId: decision.sessionId,
    decision,
    warnings: decision.warnings,
  };
}

function storeFailure(checked: CheckedRegistration, error: unknown): RegisterResult {
  return refused(checked, storeErrors(error));
}

/** A registration refused before anything was recorded (no decision, no session). */
function refused(checked: CheckedRegistration, errors: readonly MrsError[]): RegisterResult {
  return {
    ok: false,
    outcome: "rejected",
    module: checked.module,
    version: checked.version,
    sessionId: null,
    decision: null,
    errors,
    warnings: checked.result.warnings,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** L1: a lease asked for that is not a positive whole number of seconds. */
function invalidLease(checked: CheckedRegistration, lease: unknown): RegisterResult {
  return refused(checked, [
    mrsError("INVALID_LEASE", "", `a lease must be a positive whole number of seconds, not ${String(lease)}`, {
      hint: "ask for ?lease=60 (it is clamped to the LOM's bounds), or leave it out to live for the session",
    }),
  ]);
}

function unknownModule(name: string): MrsError {
  return mrsError("UNKNOWN_MODULE", "", `no module named ${name} is held in this session`, {
    hint: `GET /v1/decisions?module=${encodeURIComponent(name)} says what happened to it`,
  });
}

/** Why a heartbeat renews nothing (L2), or `null` when it may. */
function heartbeatRefusal(
  name: string,
  record: ModuleRecord | undefined,
  version: string | undefined,
): MrsError | null {
  if (record === undefined) return unknownModule(name);
  const held = record.payload.registration_metadata.module_version;
  if (version !== undefined && version !== held) {
    return mrsError("VERSION_SUPERSEDED", "/module_version", `the session holds ${name}@${held}, not ${version}`, {
      hint: `heartbeat as ${held}, or register ${version} again if it should replace it`,
    });
  }
  if (record.lease === undefined) {
    return mrsError("NO_LEASE", "", `${name} holds no lease: it lives for the session, nothing to renew`, {
      hint: "register with ?lease=SECONDS to have a lease",
    });
  }
  return null;
}

/** A store's failure as errors: its own MRS codes, or `STORE_UNAVAILABLE` (S11). */
function storeErrors(error: unknown): readonly MrsError[] {
  return error instanceof MrsFailure
    ? error.errors
    : [
        mrsError("STORE_UNAVAILABLE", "", `the store failed, nothing was recorded: ${describe(error)}`, {
          hint: "try again once the store is back",
        }),
      ];
}
