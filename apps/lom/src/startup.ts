import type { Discovery, RegistrationSource } from "@rune/mrs-core";

/** How many of the sources still asked a reason names; more are counted. */
const MAX_NAMED = 3;

/**
 * What `lom start` waits for while it already listens, for `GET /healthz` (the adapter's
 * `startup` option): the sources that have not answered yet, then the store, then nothing.
 *
 * It learns of the sources by wrapping them ({@link StartupProgress.track}): the registry asks
 * every source, then opens the store and commits what it decided, so once the last source has
 * answered the wait is the store's.
 */
export class StartupProgress {
  private phase: "discovering" | "store" | "started" = "discovering";
  /** The sources asked and not answered yet, by wrapper (two sources may share a name). */
  private readonly asked = new Map<RegistrationSource, string>();
  private answered = 0;
  private total = 0;

  /** The sources, each wrapped to tell when it is asked and when it answered. */
  track(sources: readonly RegistrationSource[]): RegistrationSource[] {
    this.total = sources.length;
    if (sources.length === 0) this.phase = "store";
    return sources.map((source) => {
      const wrapped: RegistrationSource = {
        name: source.name,
        discover: async (): Promise<readonly Discovery[]> => {
          this.asked.set(wrapped, source.name);
          try {
            return await source.discover();
          } finally {
            this.asked.delete(wrapped);
            this.answered += 1;
            if (this.phase === "discovering" && this.answered >= this.total) this.phase = "store";
          }
        },
        ...(source.watch === undefined ? {} : { watch: (onChange: () => void) => source.watch?.(onChange) ?? noop }),
        ...(source.close === undefined ? {} : { close: () => source.close?.() ?? Promise.resolve() }),
      };
      return wrapped;
    });
  }

  /** `true` while some source has not answered yet: nothing has been written to the store. */
  get discovering(): boolean {
    return this.phase === "discovering";
  }

  /** The registry has started: nothing to wait for any more (a later refresh asks the sources again, unseen here). */
  started(): void {
    this.phase = "started";
  }

  /** What the start waits for (`discovering from 2 sources: waiting for url:http://...`), or `null` once started. */
  reason(): string | null {
    if (this.phase === "started") return null;
    if (this.phase === "store") return "opening the store";
    const sources = `discovering from ${this.total} source${this.total === 1 ? "" : "s"}`;
    const waiting = [...this.asked.values()];
    if (waiting.length === 0) return sources;
    const named = waiting.slice(0, MAX_NAMED).join(", ");
    const more = waiting.length > MAX_NAMED ? ` and ${waiting.length - MAX_NAMED} more` : "";
    return `${sources}: waiting for ${named}${more}`;
  }
}

const noop = () => undefined;
