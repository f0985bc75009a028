import { applyChanges, type CatalogData, type Change, type Decision, MAX_DECISIONS } from "@rune/mrs-core";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Replays a journal's changes onto a state with the core's `applyChanges`, in runs of at most
 * {@link MAX_DECISIONS} changes. Each run is applied with an empty decision list, which is then
 * joined to the held one and cut to the latest `MAX_DECISIONS`: the very result of one
 * `applyChanges` over them all (decisions past the limit drop off, oldest first).
 *
 * Why: once a session holds `MAX_DECISIONS` decisions, `applyChanges` trims the list at every
 * decision it adds (a `splice` at the front, moving the whole list), so replaying 25,000
 * decisions cost half a second, more than parsing them. This costs what the changes are.
 */
export class Replay {
  private pending: Change[] = [];

  constructor(private state: CatalogData | null) {}

  /** Adds changes, in order, to those applied. */
  add(changes: readonly Change[]): void {
    for (const change of changes) this.pending.push(change);
    if (this.pending.length >= MAX_DECISIONS) this.flush();
  }

  /** The state after every change added: `null` only when there was none and no state. */
  finish(): CatalogData | null {
    this.flush();
    return this.state;
  }

  private flush(): void {
    for (let start = 0; start < this.pending.length; start += MAX_DECISIONS) {
      const run = this.pending.slice(start, start + MAX_DECISIONS);
      const before = this.state as Mutable<CatalogData> | null;
      if (before === null) {
        this.state = applyChanges(null, run);
        continue;
      }
      const held = before.decisions as Decision[];
      before.decisions = [];
      const after = applyChanges(before, run) as Mutable<CatalogData>;
      if (after !== before) {
        // The run opened a new session: its decisions are all from that session on.
        before.decisions = held;
        this.state = after;
        continue;
      }
      const fresh = after.decisions as Decision[];
      const keep = Math.max(0, MAX_DECISIONS - fresh.length);
      const joined = held.length > keep ? held.slice(held.length - keep) : held;
      for (const decision of fresh) joined.push(decision);
      after.decisions = joined;
    }
    this.pending = [];
  }
}
