import { type Discovery, freezeDeep, type RegistrationSource } from "@rune/mrs-core";

/** One registration held by a {@link memorySource}: a value, or raw JSON text, under a name. */
export type MemoryEntry = { readonly name: string } & ({ readonly payload: unknown } | { readonly text: string });

/** A source of registrations handed over in process, with `add` / `remove` for later changes. */
export interface MemorySource extends RegistrationSource {
  /** Adds (or replaces, by name) an entry, and tells watchers. */
  add(entry: MemoryEntry): void;
  /** Removes an entry by name, and tells watchers. */
  remove(name: string): void;
}

/**
 * An in-process source: the registrations are values (or JSON text) handed over by the host,
 * for embedding MRS in a program that already knows its modules. Origins read `memory:NAME`.
 *
 * @example
 * const source = memorySource([{ name: "echo", payload }]);
 * const registry = createRegistry({ store: memoryStore(), sources: [source] });
 */
export function memorySource(entries: Iterable<MemoryEntry> = []): MemorySource {
  const held = new Map<string, MemoryEntry>();
  // A value handed over becomes the catalog's as it is, frozen (deeply), never copied: the
  // registry and the store keep that same object, and every discovery hands it out again at no
  // cost. The host cannot change it afterwards (a write throws in strict code); a host that
  // needs to go on changing its object hands over a copy.
  const keep = (entry: MemoryEntry): MemoryEntry => {
    if (!("payload" in entry)) return entry;
    try {
      freezeDeep(entry.payload);
    } catch {
      // Not JSON-like data (a function inside, say): handed out as it is, for the rules to refuse.
    }
    return entry;
  };
  for (const entry of entries) held.set(entry.name, keep(entry));
  const watchers = new Set<() => void>();
  const changed = () => {
    for (const watcher of watchers) watcher();
  };
  return {
    name: "memory",
    async discover(): Promise<Discovery[]> {
      return [...held.values()].map((entry) =>
        "text" in entry
          ? { origin: `memory:${entry.name}`, text: entry.text }
          : { origin: `memory:${entry.name}`, payload: entry.payload },
      );
    },
    watch(onChange) {
      watchers.add(onChange);
      return () => watchers.delete(onChange);
    },
    add(entry) {
      held.set(entry.name, keep(entry));
      changed();
    },
    remove(name) {
      if (held.delete(name)) changed();
    },
  };
}
