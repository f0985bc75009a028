import type { RegistryStore } from "@rune/mrs-core";

/** Which calls of a {@link faultyStore} fail. */
export interface FaultPlan {
  /** Fails the n-th commit (1-based), or every commit for which the function returns true. */
  readonly failCommit?: number | ((n: number) => boolean);
  /** Fails the n-th load (1-based), or every load for which the function returns true. */
  readonly failLoad?: number | ((n: number) => boolean);
  /** The error thrown. Default: an `Error("injected fault")`. */
  readonly error?: () => unknown;
}

/**
 * Wraps a store so that chosen calls fail, for fault-injection tests (RULES.md S11): a commit
 * that fails must leave the store as it was, and the next one must work.
 */
export function faultyStore(
  store: RegistryStore,
  plan: FaultPlan,
): RegistryStore & { readonly commits: number; readonly loads: number } {
  let commits = 0;
  let loads = 0;
  const hits = (rule: FaultPlan["failCommit"], n: number) => (typeof rule === "function" ? rule(n) : rule === n);
  const fail = () => {
    throw plan.error?.() ?? new Error("injected fault");
  };
  return {
    name: `faulty(${store.name})`,
    get commits() {
      return commits;
    },
    get loads() {
      return loads;
    },
    async load() {
      loads += 1;
      if (hits(plan.failLoad, loads)) fail();
      return store.load();
    },
    async commit(expected, changes) {
      commits += 1;
      if (hits(plan.failCommit, commits)) fail();
      return store.commit(expected, changes);
    },
    changesSince: (since, limit) => store.changesSince(since, limit),
    ...(store.watch
      ? { watch: (onChange: (revision: number) => void) => store.watch?.(onChange) ?? (() => undefined) }
      : {}),
    ...(store.publishHeartbeat
      ? { publishHeartbeat: (module: string) => store.publishHeartbeat?.(module) ?? Promise.resolve() }
      : {}),
    ...(store.watchHeartbeats
      ? { watchHeartbeats: (onBeat: (module: string) => void) => store.watchHeartbeats?.(onBeat) ?? (() => undefined) }
      : {}),
    ...(store.close ? { close: () => store.close?.() ?? Promise.resolve() } : {}),
  };
}
