// The contract's own payloads: a DNS cache flusher and a disk cleaner, both written here.

type Payload = {
  registration_metadata: { module_name: string; module_version: string; registered_at: string };
  capabilities: Record<string, unknown>[];
  [extension: `x-${string}`]: unknown;
};

/** `dns-cache` at `version`, declaring `flush` (and `stats` when asked). */
export function dnsCache(version = "2.0.0", actions: readonly string[] = ["flush"]): Payload {
  return {
    registration_metadata: { module_name: "dns-cache", module_version: version, registered_at: "2026-03-01T08:30:00Z" },
    capabilities: actions.map((action) => ({
      action,
      description: `${action} the resolver cache of one zone`,
      input_schema: {
        type: "object",
        properties: { zone: { type: "string", format: "hostname" }, dry_run: { type: "boolean" } },
        required: ["zone"],
        additionalProperties: false,
      },
      output_schema: {
        type: "object",
        properties: { entries: { type: "integer", minimum: 0 } },
        required: ["entries"],
      },
    })),
  };
}

/** `disk-janitor`, which also declares `flush` (so a bare `flush` is ambiguous once both are held). */
export function diskJanitor(): Payload {
  const payload = dnsCache("0.3.1");
  payload.registration_metadata.module_name = "disk-janitor";
  return payload;
}

/** A copy of `payload` changed by `change`. */
export function altered(payload: Payload, change: (copy: Payload) => void): Payload {
  const copy = structuredClone(payload);
  change(copy);
  return copy;
}
