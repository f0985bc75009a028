import { CatalogIndex } from "./catalog.js";
import type { Change } from "./changes.js";
import { applyChanges, eventOf } from "./changes.js";
import { type CheckedRegistration, type Decided, decideRegistrations } from "./decide.js";
import { registrationDigest } from "./digest.js";
import { type MrsError, MrsFailure, mrsError } from "./errors.js";
import type { CatalogData, Decision } from "./model.js";
import type {
  DecisionQuery,
  DiscoveryReport,
  RegisterResult,
  Registry,
  RegistryEvent,
  RegistryOptions,
  SessionInfo,
} from "./registry-types.js";
import type { Discovery, RegistrationInput } from "./source.js";
import type { ChangesPage } from "./store.js";
import { checkRegistration, compileSchema, parseRegistration } from "./validate.js";
import type { InstanceCheck } from "./validation-types.js";

/** How often a writer catches up and decides again after losing a compare-and-set race before giving up. */
const MAX_COMMIT_ATTEMPTS = 50;
/** The longest pause between two attempts (ms): 50 attempts wait out a burst of a few seconds. */
const MAX_BACKOFF_MS = 200;
/** The most registrations decided and committed together (group commit, RULES.md R1). */
const MAX_BATCH = 1_000;
/** How many changes one catch-up asks the store for at a time. */
const CATCH_UP_PAGE = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.sources = options.sources ?? [];
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? (() => globalThis.crypto.randomUUID());
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
      if (this.unwatch === undefined && this.store.watch) {
        this.unwatch = this.store.watch(() => void this.reload().catch(() => undefined));
      }
      return report;
    });
  }

  refresh(): Promise<DiscoveryReport> {
    return this.serial(() => this.discover(true));
  }

  register(input: RegistrationInput, source: string): Promise<RegisterResult> {
    // Validation is pure CPU work: done before joining the queue.
    const checked = toChecked(input, source);
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
    await this.queue.catch(() => undefined);
    this.unwatch?.();
    this.unwatch = undefined;
    this.listeners.clear();
    await Promise.allSettled(this.sources.map((s) => s.close?.()));
    await this.store.close?.();
  }

  // ---- internals ----

  private validateInstance(ref: string, value: unknown, which: "input" | "output"): InstanceCheck {
    const resolved = this.resolveAction(ref);
    if (!resolved.ok) return { valid: false, errors: resolved.errors };
    const { capability } = resolved.value;
    const schema = which === "input" ? capability.input_schema : capability.output_schema;
    try {
      return compileSchema(schema).check(value, which === "input" ? "INPUT_INVALID" : "OUTPUT_INVALID");
    } catch (error) {
      // Only a schema that skipped validation (a store written by hand) gets here: answer, don't throw.
      if (error instanceof MrsFailure) return { valid: false, errors: error.errors };
      throw error;
    }
  }

  /** Resume (or open) the session and run discovery into it; `fresh` builds a new session aside (S10). */
  private async discover(fresh: boolean): Promise<DiscoveryReport> {
    const found = await this.collect();
    const checked = found.map((d) => toChecked(d, d.origin));
    let resumed = false;
    const decided = await this.commitDecided((held) => {
      resumed = held !== null && !fresh;
      return resumed
        ? decideRegistrations(held, checked, this.stamp(), { rediscovery: true })
        : decideRegistrations(null, checked, this.stamp(), { openSession: this.newSession() });
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

  /** Makes sure one group commit is queued for the registrations pending. */
  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    void this.serial(() => this.flush());
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
          ? decideRegistrations(null, items, this.stamp(), { openSession: this.newSession() })
          : decideRegistrations(held, items, this.stamp()),
      );
      batch.forEach((p, i) => {
        p.settle(toResult(decided.decisions[i] as Decision, p.checked));
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
      const result = await this.guard(() => this.store.commit(this.held, decided.changes));
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
    this.index.apply(changes);
    this.held = first + changes.length - 1;
    changes.forEach((change, i) => {
      this.emit(eventOf({ ...change, revision: first + i }));
    });
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
    return { now: () => this.clock().toISOString(), newId: this.newId };
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

function toChecked(input: RegistrationInput, source: string): CheckedRegistration {
  // Text is parsed here rather than in checkRegistration so that a rejected payload's name
  // stays at hand: `lom why NAME` must find the rejection of NAME's broken manifest.
  const parsed = "text" in input ? parseRegistration(input.text) : null;
  const value = parsed === null ? input : parsed.ok ? { payload: parsed.value } : { errors: parsed.errors };
  const result = checkRegistration(value);
  const digest = registrationDigest("payload" in value ? value : "text" in input ? input : null);
  if (result.ok) {
    const meta = result.value.registration_metadata;
    return { result, source, module: meta.module_name, version: meta.module_version, digest };
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

/** The name or version of a rejected payload when it has one that is a plain string. */
function pick(payload: unknown, key: "module_name" | "module_version"): string | null {
  if (typeof payload !== "object" || payload === null) return null;
  const meta = Object.hasOwn(payload, "registration_metadata")
    ? (payload as { registration_metadata: unknown }).registration_metadata
    : undefined;
  if (typeof meta !== "object" || meta === null || !Object.hasOwn(meta, key)) return null;
  const value = (meta as Record<string, unknown>)[key];
  return typeof value === "string" && value.length <= 256 ? value : null;
}

function toResult(decision: Decision, checked: CheckedRegistration): RegisterResult {
  if (decision.outcome === "rejected") {
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
    sessionId: decision.sessionId,
    decision,
    warnings: decision.warnings,
  };
}

function storeFailure(checked: CheckedRegistration, error: unknown): RegisterResult {
  const errors: readonly MrsError[] =
    error instanceof MrsFailure
      ? error.errors
      : [
          mrsError("STORE_UNAVAILABLE", "", `the store failed, nothing was recorded: ${describe(error)}`, {
            hint: "try again once the store is back",
          }),
        ];
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
