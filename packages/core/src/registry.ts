import { type Applied, applyRegistrations, type CheckedRegistration, emptyCatalog } from "./apply.js";
import { CatalogIndex } from "./catalog.js";
import { type MrsError, MrsFailure, mrsError } from "./errors.js";
import type { CatalogData, Decision } from "./model.js";
import type {
  DiscoveryReport,
  RegisterResult,
  Registry,
  RegistryEvent,
  RegistryOptions,
  SessionInfo,
} from "./registry-types.js";
import type { Discovery, RegistrationInput } from "./source.js";
import type { StoreSnapshot } from "./store.js";
import { checkRegistration, compileSchema, parseRegistration } from "./validate.js";
import type { InstanceCheck } from "./validation-types.js";

/** How often a writer re-reads and re-decides after losing a compare-and-set race before giving up. */
const MAX_COMMIT_ATTEMPTS = 50;
/** The longest pause between two attempts (ms): 50 attempts wait out a burst of a few seconds. */
const MAX_BACKOFF_MS = 200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates a registry on a store (RULES.md S1-S11, I1-I2). Call {@link Registry.start} first:
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

class RegistryImpl implements Registry {
  private readonly store;
  private readonly sources;
  private readonly clock;
  private readonly newId;
  private snapshot: StoreSnapshot | null = null;
  private index: CatalogIndex | null = null;
  private storeOk = false;
  private readonly listeners = new Set<(event: RegistryEvent) => void>();
  /** Writes from this process go one at a time: fewer compare-and-set conflicts, same result. */
  private queue: Promise<unknown> = Promise.resolve();
  private unwatch: (() => void) | undefined;

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.sources = options.sources ?? [];
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? (() => globalThis.crypto.randomUUID());
  }

  get ready(): boolean {
    return this.snapshot !== null && this.storeOk;
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
    // Validation is pure CPU work: done before taking the write queue.
    const checked = toChecked(input, source);
    return this.serial(async () => {
      let applied: Applied;
      try {
        // A registration before any session (no start() yet, or an empty store) opens one.
        applied = await this.commitWith((held) =>
          applyRegistrations(held ?? this.newSession(), [checked], this.stamp()),
        );
      } catch (error) {
        return storeFailure(checked, error);
      }
      return toResult(applied.decisions[0] as Decision, checked);
    });
  }

  async reload(): Promise<void> {
    const snapshot = await this.loadStore();
    if (snapshot === null) return;
    // A load that raced a newer commit of ours may bring an older revision: keep the newer one.
    if (this.snapshot !== null && snapshot.revision <= this.snapshot.revision) return;
    const newSession = this.snapshot?.data.session.id !== snapshot.data.session.id;
    const known = new Set(this.snapshot?.data.decisions.map((d) => d.id));
    this.install(snapshot);
    // Another writer (a second LOM on the same store) decided something: pass it on.
    if (newSession) this.emit({ type: "session", session: snapshot.data.session });
    for (const decision of snapshot.data.decisions) {
      if (!known.has(decision.id)) this.emit({ type: "decision", decision });
    }
  }

  session(): SessionInfo {
    const { data } = this.current();
    let rejected = 0;
    for (const d of data.decisions) if (d.outcome === "rejected") rejected += 1;
    return {
      ...data.session,
      modules: this.catalog().modules.length,
      capabilities: this.catalog().capabilities.length,
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

  decisions(filter: { readonly module?: string } = {}): readonly Decision[] {
    const all = this.current().data.decisions;
    return filter.module === undefined ? all : all.filter((d) => d.module === filter.module);
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
    const applied = await this.commitWith((held) => {
      resumed = held !== null && !fresh;
      return resumed
        ? applyRegistrations(held as CatalogData, checked, this.stamp(), { quietIdentical: true })
        : applyRegistrations(this.newSession(), checked, this.stamp());
    });
    return {
      session: this.current().data.session,
      resumed,
      sources: this.sources.length,
      decisions: applied.decisions,
    };
  }

  private newSession(): CatalogData {
    return emptyCatalog({ id: this.newId(), startedAt: this.clock().toISOString() });
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
   * Read, decide, compare-and-set; on a conflict (another writer went first) read and decide
   * again. Emits the decisions once stored. Throws when the store fails: the caller reports
   * STORE_UNAVAILABLE (S11).
   */
  private async commitWith(decide: (held: CatalogData | null) => Applied): Promise<Applied> {
    let snapshot = this.snapshot ?? (await this.loadStore());
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const applied = decide(snapshot?.data ?? null);
      const newSession = applied.data.session !== snapshot?.data.session;
      if (snapshot !== null && !newSession && !applied.changed) {
        this.install(snapshot);
        return applied;
      }
      const result = await this.guard(() => this.store.commit(snapshot?.revision ?? null, applied.data));
      if (result.ok) {
        this.install({ revision: result.revision, data: applied.data });
        if (newSession) this.emit({ type: "session", session: applied.data.session });
        for (const decision of applied.decisions) {
          if (!applied.unrecorded.has(decision)) this.emit({ type: "decision", decision });
        }
        return applied;
      }
      // Lost to another writer. Back off a random, growing while before reading again: the
      // winner holds a fresh snapshot and would otherwise win every race of a burst.
      await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt));
      snapshot = await this.loadStore();
    }
    throw new MrsFailure([
      mrsError(
        "STORE_UNAVAILABLE",
        "",
        `the store stayed busy: ${MAX_COMMIT_ATTEMPTS} writes in a row lost to other writers`,
      ),
    ]);
  }

  private async loadStore(): Promise<StoreSnapshot | null> {
    return this.guard(() => this.store.load());
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

  private install(snapshot: StoreSnapshot): void {
    // One assignment of both: readers see the old catalog or the new one, never a mix (S10).
    if (this.snapshot?.data !== snapshot.data || this.index === null) {
      this.index = new CatalogIndex(snapshot.data);
    }
    this.snapshot = snapshot;
  }

  private current(): StoreSnapshot {
    if (this.snapshot === null) {
      // An MrsFailure, so every edge answers "not ready" (HTTP 503) rather than a fault of its own.
      throw new MrsFailure([
        mrsError("STORE_UNAVAILABLE", "", "the registry has no session yet: it is starting, or its store is lost", {
          hint: "call start() first; over HTTP, GET /healthz answers 200 once it is ready",
        }),
      ]);
    }
    return this.snapshot;
  }

  private catalog(): CatalogIndex {
    this.current();
    return this.index as CatalogIndex;
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
  if (result.ok) {
    const meta = result.value.registration_metadata;
    return { result, source, module: meta.module_name, version: meta.module_version };
  }
  const hinted = "errors" in input && input.module !== undefined ? input.module : null;
  const payload = "payload" in value ? value.payload : undefined;
  return { result, source, module: hinted ?? pick(payload, "module_name"), version: pick(payload, "module_version") };
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
