import { mrsError } from "./errors.js";
import type { CatalogData, ModuleRecord } from "./model.js";
import type { CapabilityEntry } from "./registry-types.js";
import type { ValidationResult } from "./validation-types.js";

/**
 * A read-only index of one session's catalog, built once per committed snapshot so that reads
 * (`resolveAction` on every action call) are a map lookup.
 */
export class CatalogIndex {
  readonly modules: readonly ModuleRecord[];
  readonly capabilities: readonly CapabilityEntry[];
  private readonly byModule = new Map<string, ModuleRecord>();
  private readonly byAddress = new Map<string, CapabilityEntry>();
  /** bare action -> every entry that declares it (S8). */
  private readonly byAction = new Map<string, CapabilityEntry[]>();

  constructor(readonly data: CatalogData) {
    const modules = Object.keys(data.modules)
      .sort()
      .map((name) => data.modules[name] as ModuleRecord);
    const declaredBy = new Map<string, number>();
    for (const record of modules) {
      for (const { action } of record.payload.capabilities) declaredBy.set(action, (declaredBy.get(action) ?? 0) + 1);
    }
    const entries: CapabilityEntry[] = [];
    for (const record of modules) {
      const { module_name: module, module_version: version } = record.payload.registration_metadata;
      this.byModule.set(module, record);
      for (const capability of record.payload.capabilities) {
        const address = `${module}/${capability.action}`;
        // The shortest name that resolves: bare where one module declares the action (S8).
        const name = declaredBy.get(capability.action) === 1 ? capability.action : address;
        const entry: CapabilityEntry = { address, module, version, capability, name };
        entries.push(entry);
        this.byAddress.set(address, entry);
        const list = this.byAction.get(capability.action);
        if (list) list.push(entry);
        else this.byAction.set(capability.action, [entry]);
      }
    }
    entries.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    this.modules = modules;
    this.capabilities = entries;
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
    const slash = ref.indexOf("/");
    if (slash >= 0) {
      const entry = this.byAddress.get(ref);
      if (entry) return { ok: true, value: entry, errors: [], warnings: [] };
      const module = ref.slice(0, slash);
      const held = this.byModule.get(module);
      return unknown(
        ref,
        held
          ? `module ${module} declares ${held.payload.capabilities.map((c) => c.action).join(", ")}`
          : `no module named ${module} is registered`,
      );
    }
    const list = this.byAction.get(ref);
    if (list === undefined || list.length === 0)
      return unknown(ref, "list the catalog's actions with `lom capabilities`");
    if (list.length === 1) return { ok: true, value: list[0] as CapabilityEntry, errors: [], warnings: [] };
    const candidates = list.map((e) => e.address);
    return {
      ok: false,
      errors: [
        mrsError("AMBIGUOUS_ACTION", "", `${list.length} modules declare the action ${ref}: ${candidates.join(", ")}`, {
          candidates,
          hint: `address it as module/action, for example ${candidates[0]}`,
        }),
      ],
      warnings: [],
    };
  }
}

function unknown(ref: string, hint: string): ValidationResult<CapabilityEntry> {
  return {
    ok: false,
    errors: [mrsError("UNKNOWN_ACTION", "", `no capability ${ref} in the catalog`, { hint })],
    warnings: [],
  };
}
