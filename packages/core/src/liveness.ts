import type { Change } from "./changes.js";
import type { Stamp } from "./decide.js";
import type { CatalogData, Decision, ModuleRecord } from "./model.js";

/** A decision about a module's life (RULES.md L3, L4): no errors, the rule that made it. */
function lifeDecision(
  held: CatalogData,
  record: ModuleRecord,
  outcome: "expired" | "revived" | "removed" | "deregistered",
  source: string,
  stamp: Stamp,
): Decision {
  const meta = record.payload.registration_metadata;
  return {
    id: stamp.newId(),
    sessionId: held.session.id,
    at: stamp.now(),
    source,
    outcome,
    module: meta.module_name,
    version: meta.module_version,
    rule: outcome === "deregistered" ? "L4" : "L3",
    errors: [],
    warnings: [],
  };
}

/** The module held under `name`, if any. */
export function heldModule(held: CatalogData | null, name: string): ModuleRecord | undefined {
  if (held === null || !Object.hasOwn(held.modules, name)) return undefined;
  return held.modules[name];
}

/**
 * The changes of one sweep (L3): live leased modules whose lease ran out become `expired`,
 * expired ones whose grace ran out are `removed`. Decided on the state held at commit time, so a
 * step another LOM already took (after a lost compare-and-set) is not taken twice (L6).
 */
export function sweepChanges(
  held: CatalogData | null,
  due: { readonly expire: readonly string[]; readonly remove: readonly string[] },
  stamp: Stamp,
): Change[] {
  const changes: Change[] = [];
  for (const name of due.expire) {
    const record = heldModule(held, name);
    if (held === null || record?.lease === undefined || record.state === "expired") continue;
    changes.push(
      { type: "decision.recorded", decision: lifeDecision(held, record, "expired", "lease", stamp) },
      { type: "module.state", module: name, state: "expired" },
    );
  }
  for (const name of due.remove) {
    const record = heldModule(held, name);
    if (held === null || record?.state !== "expired") continue;
    changes.push(
      { type: "decision.recorded", decision: lifeDecision(held, record, "removed", "lease", stamp) },
      { type: "module.removed", module: name },
    );
  }
  return changes;
}

/** A heartbeat in the grace period makes an expired module live again (L3). */
export function revivalChanges(held: CatalogData | null, name: string, source: string, stamp: Stamp): Change[] {
  const record = heldModule(held, name);
  if (held === null || record?.state !== "expired") return [];
  return [
    { type: "decision.recorded", decision: lifeDecision(held, record, "revived", source, stamp) },
    { type: "module.state", module: name, state: "live" },
  ];
}

/** `DELETE /v1/modules/{name}` (L4): the module leaves the catalog at once. */
export function deregistrationChanges(held: CatalogData | null, name: string, source: string, stamp: Stamp): Change[] {
  const record = heldModule(held, name);
  if (held === null || record === undefined) return [];
  return [
    { type: "decision.recorded", decision: lifeDecision(held, record, "deregistered", source, stamp) },
    { type: "module.removed", module: name },
  ];
}
