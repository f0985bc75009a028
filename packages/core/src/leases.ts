/** The bounds of leases (RULES.md L1, L3), in seconds. */
export interface LeaseBounds {
  /** The shortest lease granted: a shorter one asked for is raised to it. Default 10. */
  readonly min: number;
  /** The longest lease granted: a longer one asked for is lowered to it. Default 86,400 (24 h). */
  readonly max: number;
  /** How long an expired module stays listed before it is removed. Default 300 (5 minutes). */
  readonly grace: number;
}

/** The defaults of {@link LeaseBounds}. */
export const DEFAULT_LEASE_BOUNDS: LeaseBounds = { min: 10, max: 86_400, grace: 300 };

/** One module's lease, on the monotonic clock (ms). */
interface Lease {
  readonly seconds: number;
  /** When it expires, or (once expired) when it is removed. */
  deadline: number;
  expired: boolean;
}

/** What a sweep found due. */
export interface DueLeases {
  /** Live modules whose lease ran out, oldest deadline first, at most the bounded share (L6). */
  readonly expire: readonly string[];
  /** Expired modules whose grace period ran out. */
  readonly remove: readonly string[];
}

/**
 * Lease deadlines, in this process's memory: renewing one is not a catalog change (no durable
 * write per heartbeat), and a restart gives every lease its full length again (L6). Deadlines are
 * on a monotonic clock, so a change of the wall clock expires nothing.
 */
export class LeaseBook {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly bounds: LeaseBounds,
    private readonly now: () => number,
  ) {}

  /** The lease granted for one asked for (L1): clamped to the bounds. */
  clamp(seconds: number): number {
    return Math.min(this.bounds.max, Math.max(this.bounds.min, seconds));
  }

  /** Starts (or restarts) a live lease of `seconds` for `module`, its full length from now. */
  grant(module: string, seconds: number): number {
    const deadline = this.now() + seconds * 1000;
    this.leases.set(module, { seconds, deadline, expired: false });
    return deadline;
  }

  /** Marks `module` expired: it is removed once the grace period ran out. */
  markExpired(module: string): void {
    const lease = this.leases.get(module);
    if (lease === undefined) return;
    lease.expired = true;
    lease.deadline = this.now() + this.bounds.grace * 1000;
  }

  forget(module: string): void {
    this.leases.delete(module);
  }

  /** Forgets every lease: a new session holds none of the last one's modules. */
  clear(): void {
    this.leases.clear();
  }

  /** The lease of `module`: its length, its state and its deadline on the monotonic clock. */
  get(module: string): { readonly seconds: number; readonly deadline: number; readonly expired: boolean } | undefined {
    return this.leases.get(module);
  }

  /** Gives every live lease its full length again from now: after the LOM itself was away (L6). */
  restartAll(): void {
    const now = this.now();
    for (const lease of this.leases.values()) {
      if (!lease.expired) lease.deadline = now + lease.seconds * 1000;
    }
  }

  /** The shortest lease held, in ms (how long a pause may last before the LOM counts as away). */
  shortestMs(): number {
    let shortest = Number.POSITIVE_INFINITY;
    for (const lease of this.leases.values()) shortest = Math.min(shortest, lease.seconds * 1000);
    return shortest;
  }

  get size(): number {
    return this.leases.size;
  }

  /**
   * What is due now. At most a bounded share of the live modules (`liveModules`, leased or not)
   * expire in one sweep (L6: 10%, and at least 5): when more are due at once, the rest wait for
   * the next sweeps, as
   * Kubernetes' eviction rate limit and Eureka's self-preservation do against a mass pause.
   */
  due(liveModules: number): DueLeases {
    const now = this.now();
    const late: [string, number][] = [];
    const remove: string[] = [];
    for (const [module, lease] of this.leases) {
      if (lease.deadline > now) continue;
      if (lease.expired) remove.push(module);
      else late.push([module, lease.deadline]);
    }
    const share = Math.max(5, Math.floor(liveModules / 10));
    late.sort((a, b) => a[1] - b[1]);
    return { expire: late.slice(0, share).map(([module]) => module), remove };
  }
}
