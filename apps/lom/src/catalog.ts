import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  type CapabilityView,
  capabilityView,
  type ModuleView,
  moduleView,
  mrsClient,
} from "@rune/mrs-adapter-http/client";

export type { CapabilityView, ModuleView } from "@rune/mrs-adapter-http/client";

import {
  createRegistry,
  type Decision,
  type InstanceCheck,
  type MrsError,
  mrsError,
  type SessionInfo,
} from "@rune/mrs-core";
import { openStore, shippedExamples } from "./compose.js";
import { loadConfig } from "./config.js";

/** An answer that may be a fault: the reading commands print either. */
export type Answer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly MrsError[] };

/** What the reading commands need, from a running LOM (`--url`) or from the local store. */
export interface CatalogReader {
  readonly where: string;
  session(): Promise<Answer<SessionInfo>>;
  modules(): Promise<Answer<readonly ModuleView[]>>;
  module(name: string): Promise<Answer<ModuleView>>;
  capabilities(): Promise<Answer<readonly CapabilityView[]>>;
  capability(ref: string): Promise<Answer<CapabilityView>>;
  decisions(module: string): Promise<Answer<readonly Decision[]>>;
  validate(ref: string, body: { input: unknown } | { output: unknown }): Promise<Answer<InstanceCheck>>;
  close(): Promise<void>;
}

const ok = <T>(value: T): Answer<T> => ({ ok: true, value });

/**
 * Reads the catalog held by a store, without opening a session or running discovery: a
 * reading command never writes.
 */
export async function localReader(options: { config?: string | undefined }): Promise<CatalogReader> {
  const configFile = options.config ?? (existsSync(resolve("lom.config.json")) ? "lom.config.json" : undefined);
  // The shipped examples are looked up only when they are used: with no config file.
  const examples = configFile === undefined ? shippedExamples() : [];
  const config = loadConfig(configFile, { examples, ignoreTokens: true });
  const store = await openStore(config);
  const registry = createRegistry({ store });
  await registry.reload();
  try {
    registry.session();
  } catch {
    await registry.close();
    throw new NoSession(config.store);
  }
  return {
    where: config.store,
    session: async () => ok(registry.session()),
    // A reading command holds no lease book of its own (it runs no sweep): state, no deadlines.
    modules: async () => ok(registry.modules().map((record) => moduleView(record))),
    async module(name) {
      const record = registry.module(name);
      return record === undefined
        ? { ok: false, errors: [mrsError("UNKNOWN_MODULE", "", `no module named ${name} is held in this session`)] }
        : ok(moduleView(record));
    },
    capabilities: async () => ok(registry.capabilities().map(capabilityView)),
    async capability(ref) {
      const resolved = registry.resolveAction(ref);
      return resolved.ok ? ok(capabilityView(resolved.value)) : resolved;
    },
    decisions: async (module) => ok(registry.decisions({ module })),
    async validate(ref, body) {
      const resolved = registry.resolveAction(ref);
      if (!resolved.ok) return resolved;
      return ok("input" in body ? registry.validateInput(ref, body.input) : registry.validateOutput(ref, body.output));
    },
    close: () => registry.close(),
  };
}

/** The store holds no session yet. */
export class NoSession extends Error {
  constructor(readonly store: string) {
    super(`the store ${store} holds no session yet: start a LOM on it first (lom start)`);
  }
}

/** Reads the catalog of a running LOM over its HTTP API. */
export function remoteReader(options: { url: string; token?: string | undefined }): CatalogReader {
  const client = mrsClient({ url: options.url, ...(options.token ? { token: options.token } : {}) });
  return {
    where: options.url,
    session: () => client.session(),
    modules: () => client.modules(),
    module: (name) => client.module(name),
    capabilities: () => client.capabilities(),
    capability: (ref) => client.capability(ref),
    decisions: (module) => client.decisions(module),
    validate: (ref, body) => client.validate(ref, body),
    close: async () => undefined,
  };
}
