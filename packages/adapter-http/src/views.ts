import type { CapabilityEntry, LeaseInfo, ModuleRecord } from "@rune/mrs-core";
import type { ActionView, CapabilityView, LeaseView, ModuleView } from "./schemas.js";

/**
 * How the API shows the catalog. The payload comes back as it was registered (with its `x-`
 * extensions, RULES.md E2); the shapes add to it, never rename inside it.
 */

/** A lease as the API shows it. */
export function leaseView(lease: LeaseInfo): LeaseView {
  return { seconds: lease.seconds, expires_at: lease.expiresAt };
}

/**
 * A module: its payload, its metadata hoisted to the top level (INTERFACES.md), source, time,
 * state (L3) and lease (L1) when it has one.
 */
export function moduleView(record: ModuleRecord, lease?: LeaseInfo): ModuleView {
  const { payload } = record;
  const meta = payload.registration_metadata;
  return {
    ...payload,
    module_name: meta.module_name,
    module_version: meta.module_version,
    registered_at: meta.registered_at,
    source: record.source,
    acceptedAt: record.acceptedAt,
    decisionId: record.decisionId,
    state: record.state ?? "live",
    ...(lease === undefined ? {} : { lease: leaseView(lease) }),
  };
}

/** A capability with its address, its module and both schemas. */
export function capabilityView(entry: CapabilityEntry): CapabilityView {
  return {
    ...entry.capability,
    address: entry.address,
    name: entry.name,
    module: entry.module,
    version: entry.version,
  };
}

/** An action as RUNE's own planned `GET /v1/actions` lists it. */
export function actionView(entry: CapabilityEntry): ActionView {
  const { capability } = entry;
  return {
    name: entry.name,
    description: capability.description,
    input_schema: capability.input_schema,
    output_schema: capability.output_schema,
    module: entry.module,
    version: entry.version,
  };
}
