import type { Capability } from "@rune/mrs-schema";
import type { Change } from "./changes.js";
import { mrsError } from "./errors.js";
import type { CatalogData, ModuleRecord } from "./model.js";
import type { CapabilityEntry } from "./registry-types.js";
import type { ValidationResult } from "./validation-types.js";

/**
 * The entries of one capability, made on the first read that needs each: its shortest name
 * depends on the other modules (S8). A session of many modules indexes far more than it reads.
 */
interface Entries {
  /** Named by its bare action (while it is the only module declaring the action). */
  bare?: CapabilityEntry;
  /** Named by its address (while other modules declare the action too). */
  addressed?: CapabilityEntry;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const nameOf = (record: ModuleRecord) => record.payload.registration_metadata.module_name;

/**
 * The modules declaring one action: the only one's record as itself, a map by module once a
 * second one declares it. The index holds the records it is given and nothing made per
 * capability: a session of 10,000 modules made 50,000 maps of one entry, then 50,000 objects
 * naming each capability (the index's put was about 6% of that session's profile, issue #16).
 */
type Declaring = ModuleRecord | Map<string, ModuleRecord>;

function countOf(declaring: Declaring | undefined): number {
  return declaring === undefined ? 0 : declaring instanceof Map ? declaring.size : 1;
}

function declaredBy(declaring: Declaring | undefined, module: string): ModuleRecord | undefined {
  if (declaring instanceof Map) return declaring.get(module);
  return declaring !== undefined && nameOf(declaring) === module ? declaring : undefined;
}

function eachOf(declaring: Declaring): Iterable<ModuleRecord> {
  return declaring instanceof Map ? declaring.values() : [declaring];
}

/**
 * The catalog's index for reads (`resolveAction` on every action call is a map lookup). It
 * follows the store's changes one by one (`apply`), so a registration costs the index what the
 * registration changes, never the size of the catalog; the sorted lists are built on the first
 * read after a change.
 */
export class CatalogIndex {
  private readonly byModule = new Map<string, ModuleRecord>();
  /**
   * bare action -> module -> what it declares (S8). Live modules only: an expired one resolves
   * nothing (L3). An address `module/action` is found here too, so there is no map by address: a
   * session of 10,000 modules spent ~2% of its time filling one (issue #16's profile).
   */
  private readonly byAction = new Map<string, Declaring>();
  /** How many capabilities `byAction` holds, all modules together. */
  private declaredCount = 0;
  /** bare action -> the expired modules that declare it, so that resolving it names the reason (L3). */
  private readonly expiredByAction = new Map<string, Set<string>>();
  private sortedModules: readonly ModuleRecord[] | null = null;
  private expiredCount = 0;
  private sortedCapabilities: readonly CapabilityEntry[] | null = null;
  /**
   * References resolved since the last change, with their answer: an action call resolves the
   * same few references over and over, and between two changes the answer cannot differ.
   * Successes only, so that unknown references sent by a client cannot grow it.
   */
  private readonly resolved = new Map<string, ValidationResult<CapabilityEntry>>();
  /**
   * record -> action -> its entries, made on first read. Keyed by the record: a record is put
   * once and replaced, never changed, so its entries hold for as long as it is held.
   */
  private readonly entries = new WeakMap<ModuleRecord, Map<string, Entries>>();
  private changes = 0;

  constructor(data: CatalogData | null) {
    if (data === null) return;
    for (const name of Object.keys(data.modules)) this.put(data.modules[name] as ModuleRecord);
  }

  /** Follows `changes`, already applied to `data` (the state it indexes). */
  apply(changes: readonly Change[], data: CatalogData): void {
    for (const change of changes) {
      if (change.type === "session.opened") this.clear();
      else if (change.type === "module.put") this.put(change.record);
      else if (change.type === "module.removed") this.remove(change.module);
      else if (change.type === "module.state") {
        const record = Object.hasOwn(data.modules, change.module) ? data.modules[change.module] : undefined;
        if (record !== undefined) this.put(record);
      }
    }
  }

  /** Every module held, sorted by name. */
  get modules(): readonly ModuleRecord[] {
    this.sortedModules ??= [...this.byModule.keys()].sort(byKey).map((name) => this.byModule.get(name) as ModuleRecord);
    return this.sortedModules;
  }

  /** Every capability of the live modules with its address and shortest name, sorted by address. */
  get capabilities(): readonly CapabilityEntry[] {
    if (this.sortedCapabilities === null) {
      const all: CapabilityEntry[] = [];
      for (const [action, declaring] of this.byAction) {
        for (const record of eachOf(declaring)) all.push(this.entry(record, action));
      }
      this.sortedCapabilities = all.sort((a, b) => byKey(a.address, b.address));
    }
    return this.sortedCapabilities;
  }

  /** Counts the changes applied, so that a reader's memo of an answer knows when it is stale. */
  get generation(): number {
    return this.changes;
  }

  get moduleCount(): number {
    return this.byModule.size;
  }

  /** Modules held that are not expired (L3). */
  get liveModuleCount(): number {
    return this.byModule.size - this.expiredCount;
  }

  get capabilityCount(): number {
    return this.declaredCount;
  }

  /** The module held under `name`. */
  module(name: string): ModuleRecord | undefined {
    return this.byModule.get(name);
  }

  /**
   * Resolves `module/action` (always unique) or a bare `action` (only where exactly one module
   * declares it; otherwise `AMBIGUOUS_ACTION` lists the candidates). RULES.md S8.
   */
  resolveAction(ref: string): ValidationResult<CapabilityEntry> {
    const known = this.resolved.get(ref);
    if (known !== undefined) return known;
    const answer = this.resolve(ref);
    if (answer.ok) this.resolved.set(ref, answer);
    return answer;
  }

  private resolve(ref: string): ValidationResult<CapabilityEntry> {
    const slash = ref.indexOf("/");
    if (slash >= 0) {
      const module = ref.slice(0, slash);
      const action = ref.slice(slash + 1);
      const declared = declaredBy(this.byAction.get(action), module);
      if (declared) return { ok: true, value: this.entry(declared, action), errors: [], warnings: [] };
      const held = this.byModule.get(module);
      if (held?.state === "expired" && held.payload.capabilities.some((c) => c.action === action)) {
        return expired(ref, [module]);
      }
      return unknown(
        ref,
        held
          ? `module ${module} declares ${held.payload.capabilities.map((c) => c.action).join(", ")}`
          : `no module named ${module} is registered`,
      );
    }
    const declaring = this.byAction.get(ref);
    if (declaring === undefined) {
      const gone = this.expiredByAction.get(ref);
      if (gone !== undefined && gone.size > 0) return expired(ref, [...gone].sort(byKey));
      return unknown(ref, "list the catalog's actions with `lom capabilities`");
    }
    if (!(declaring instanceof Map)) return { ok: true, value: this.entry(declaring, ref), errors: [], warnings: [] };
    const candidates = [...declaring.keys()].map((module) => `${module}/${ref}`).sort(byKey);
    return {
      ok: false,
      errors: [
        mrsError(
          "AMBIGUOUS_ACTION",
          "",
          `${candidates.length} modules declare the action ${ref}: ${candidates.join(", ")}`,
          { candidates, hint: `address it as module/action, for example ${candidates[0]}` },
        ),
      ],
      warnings: [],
    };
  }

  /** The entry of `action` as `record` declares it: bare name where one module declares the action (S8). */
  private entry(record: ModuleRecord, action: string): CapabilityEntry {
    let byAction = this.entries.get(record);
    if (byAction === undefined) {
      byAction = new Map();
      this.entries.set(record, byAction);
    }
    let made = byAction.get(action);
    if (made === undefined) {
      made = {};
      byAction.set(action, made);
    }
    // Each made once and kept: an entry is the same object for as long as what it says holds.
    const bare = countOf(this.byAction.get(action)) === 1;
    const kept = bare ? made.bare : made.addressed;
    if (kept !== undefined) return kept;
    const { module_name: module, module_version: version } = record.payload.registration_metadata;
    const capability = record.payload.capabilities.find((c) => c.action === action) as Capability;
    const address = `${module}/${action}`;
    const entry = { address, module, version, capability, name: bare ? action : address };
    if (bare) made.bare = entry;
    else made.addressed = entry;
    return entry;
  }

  private put(record: ModuleRecord): void {
    const module = nameOf(record);
    this.remove(module);
    this.byModule.set(module, record);
    if (record.state === "expired") {
      this.expiredCount += 1;
      for (const { action } of record.payload.capabilities) {
        let gone = this.expiredByAction.get(action);
        if (gone === undefined) {
          gone = new Set();
          this.expiredByAction.set(action, gone);
        }
        gone.add(module);
      }
      this.changed();
      return;
    }
    for (const { action } of record.payload.capabilities) {
      const declaring = this.byAction.get(action);
      const before = countOf(declaring);
      if (declaring instanceof Map) declaring.set(module, record);
      else if (declaring === undefined || nameOf(declaring) === module) this.byAction.set(action, record);
      else this.byAction.set(action, new Map([[nameOf(declaring), declaring]]).set(module, record));
      this.declaredCount += countOf(this.byAction.get(action)) - before;
    }
    this.changed();
  }

  private remove(module: string): void {
    const held = this.byModule.get(module);
    if (held === undefined) return;
    this.byModule.delete(module);
    if (held.state === "expired") this.expiredCount -= 1;
    for (const { action } of held.payload.capabilities) {
      const gone = this.expiredByAction.get(action);
      gone?.delete(module);
      if (gone?.size === 0) this.expiredByAction.delete(action);
      const declaring = this.byAction.get(action);
      if (declaredBy(declaring, module) === undefined) continue;
      this.declaredCount -= 1;
      if (!(declaring instanceof Map)) this.byAction.delete(action);
      else if (declaring.delete(module) && declaring.size === 1) {
        // Back to one module: held as itself again, as if it had always been alone.
        this.byAction.set(action, declaring.values().next().value as ModuleRecord);
      }
    }
    this.changed();
  }

  private clear(): void {
    this.byModule.clear();
    this.byAction.clear();
    this.declaredCount = 0;
    this.expiredByAction.clear();
    this.expiredCount = 0;
    this.changed();
  }

  private changed(): void {
    this.changes += 1;
    this.sortedModules = null;
    this.sortedCapabilities = null;
    // Not an unconditional clear(): V8 gives a cleared Map a new table, on every module put.
    if (this.resolved.size > 0) this.resolved.clear();
  }
}

function expired(ref: string, modules: readonly string[]): ValidationResult<CapabilityEntry> {
  return {
    ok: false,
    errors: [
      mrsError("MODULE_EXPIRED", "", `${ref} is declared only by ${modules.join(", ")}, whose lease expired`, {
        hint: "the module must heartbeat (POST /v1/modules/{name}/heartbeat) or register again",
      }),
    ],
    warnings: [],
  };
}

function unknown(ref: string, hint: string): ValidationResult<CapabilityEntry> {
  return {
    ok: false,
    errors: [mrsError("UNKNOWN_ACTION", "", `no capability ${ref} in the catalog`, { hint })],
    warnings: [],
  };
}
