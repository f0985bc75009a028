import type { DiscoveryReport, RegisterResult, Registry, RegistryStore } from "@rune/mrs-core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry as PromRegistry } from "prom-client";

/** Options of {@link mrsMetrics}. */
export interface MrsMetricsOptions {
  /**
   * Also export the process's own series (prom-client's default metrics: `process_cpu_*`,
   * `process_resident_memory_bytes`, `nodejs_eventloop_lag_*`, `nodejs_heap_*`, ...). Default
   * `false`: a host that mounts the API in a process of its own usually exports those already.
   * They watch the event loop and the garbage collector for the life of the process: ask for
   * them once per process (`lom start` does).
   */
  readonly process?: boolean;
}

/** Where a registration came from, as the `via` label says. */
export type RegistrationVia = "http" | "discovery";

/** What the gauges read when they are scraped: set by the API that serves them. */
interface Watched {
  readonly registry: Registry;
  readonly eventStreamClients: () => number;
}

/** Seconds: the store's commits are fsyncs (a file, a database): from half a millisecond up. */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds: an answer from the catalog in memory takes well under a millisecond, a registration a commit. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus series of one LOM, in a prom-client registry of their own (never the global
 * one: two servers in one process keep their counts apart). `GET /metrics` serves them in the
 * Prometheus text format; every series is listed in this package's README.
 *
 * Give one to {@link createMrsServer} (`metrics`) when the host wants store commit durations
 * too: wrap the store the registry writes to with {@link MrsMetrics.timeStore} first. Without
 * one, the API makes its own, whose commit histogram stays empty.
 *
 * @example
 * const metrics = mrsMetrics({ process: true });
 * const store = metrics.timeStore(fileStore({ path: ".lom/catalog.json" }));
 * const registry = createRegistry({ store });
 * const server = createMrsServer({ registry, store, metrics });
 */
export class MrsMetrics {
  /** The prom-client registry that holds every series below: a host may add its own to it. */
  readonly registry = new PromRegistry();
  private watched: Watched | undefined;

  private readonly registrations = new Counter({
    name: "mrs_registrations_total",
    help: "Registrations decided or refused, by where they came from (http, discovery), outcome (accepted, upgraded, rejected) and, for a rejection, the first error's code",
    labelNames: ["via", "outcome", "code"] as const,
    registers: [this.registry],
  });

  private readonly requests = new Histogram({
    name: "mrs_http_request_duration_seconds",
    help: "HTTP requests answered, by method, route (the route's pattern, `unmatched` for none) and status, with how long each took (its _count is the number of requests)",
    labelNames: ["method", "route", "status"] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  private readonly commits = new Histogram({
    name: "mrs_store_commit_duration_seconds",
    help: "The store's commits, by outcome (committed, conflict: another writer went first, failed: the store threw), with how long each took",
    labelNames: ["outcome"] as const,
    buckets: COMMIT_BUCKETS,
    registers: [this.registry],
  });

  constructor(options: MrsMetricsOptions = {}) {
    const watched = () => this.watched;
    new Gauge({
      name: "mrs_modules",
      help: "Modules the catalog holds, by state: live, or expired (a lease ran out, RULES L3; removed after the grace period)",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        const counts = { live: 0, expired: 0 };
        const registry = watched()?.registry;
        // Before the registry has a session there is no catalog: both zero.
        if (registry?.ready)
          for (const m of registry.modules()) counts[m.state === "expired" ? "expired" : "live"] += 1;
        this.set({ state: "live" }, counts.live);
        this.set({ state: "expired" }, counts.expired);
      },
    });
    new Gauge({
      name: "mrs_event_stream_clients",
      help: "Clients following GET /v1/events now",
      registers: [this.registry],
      collect() {
        this.set(watched()?.eventStreamClients() ?? 0);
      },
    });
    new Gauge({
      name: "mrs_store_revision",
      help: "The store revision the registry holds (RULES R1): LOMs on one store converge on the same value",
      registers: [this.registry],
      collect() {
        this.set(watched()?.registry.revision ?? 0);
      },
    });
    new Gauge({
      name: "mrs_ready",
      help: "1 when the registry has a session and its store answered its last call, else 0 (GET /healthz says why)",
      registers: [this.registry],
      collect() {
        this.set(watched()?.registry.ready ? 1 : 0);
      },
    });
    if (options.process === true) collectDefaultMetrics({ register: this.registry });
  }

  /** The media type of {@link MrsMetrics.text}: the Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every series in the Prometheus text format, as `GET /metrics` answers it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts one registration's answer (RULES S2-S5, S11). */
  registration(via: RegistrationVia, result: RegisterResult): void {
    const code = result.ok ? "" : (result.errors[0]?.code ?? "");
    this.registrations.inc({ via, outcome: result.outcome, code });
  }

  /** Counts the registrations a start or a refresh decided (the unchanged ones are not decided again). */
  discovery(report: DiscoveryReport): void {
    for (const d of report.decisions) {
      if (d.outcome !== "accepted" && d.outcome !== "upgraded" && d.outcome !== "rejected") continue;
      this.registrations.inc({ via: "discovery", outcome: d.outcome, code: d.errors[0]?.code ?? "" });
    }
  }

  /** Records one HTTP answer. */
  request(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  /**
   * The store with each `commit` timed into `mrs_store_commit_duration_seconds`; everything else
   * passes through untouched (optional methods stay absent where the store has none). Give the
   * registry the wrapped store. The core stays free of metrics: the timing is done here.
   */
  timeStore<S extends RegistryStore>(store: S): S {
    const commits = this.commits;
    return new Proxy(store, {
      get(target, key) {
        if (key === "commit") {
          const commit: RegistryStore["commit"] = async (expected, changes) => {
            const done = commits.startTimer();
            try {
              const result = await target.commit(expected, changes);
              done({ outcome: result.ok ? "committed" : "conflict" });
              return result;
            } catch (error) {
              done({ outcome: "failed" });
              throw error;
            }
          };
          return commit;
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /**
   * The registry and event streams the gauges read, set by the API that serves these series.
   * @internal
   */
  watch(watched: Watched): void {
    this.watched = watched;
  }
}

/**
 * A fresh set of the LOM's Prometheus series, in a registry of its own (see {@link MrsMetrics}).
 *
 * @example
 * const metrics = mrsMetrics();
 * const server = createMrsServer({ registry, metrics });
 */
export function mrsMetrics(options: MrsMetricsOptions = {}): MrsMetrics {
  return new MrsMetrics(options);
}
