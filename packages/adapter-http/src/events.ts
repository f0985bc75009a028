import type { IncomingMessage, ServerResponse } from "node:http";
import { type ChangesPage, eventOf, type MrsError, mrsError, type RegistryEvent } from "@rune/mrs-core";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * What `POST /v1/store/commit` tells the routes after a commit. Not sent on the event stream:
 * the registry follows the commit and every change it stored is an event of its own (R2).
 */
export type StoreEvent = { readonly type: "store"; readonly revision: number };

/** What a stream follows: the registry's events, its revision, and the store's changes for replays. */
export interface ChangeFeed {
  /** Calls `listener` with every change as the registry applies it, in revision order. */
  subscribe(listener: (event: RegistryEvent) => void): () => void;
  /** The revision the registry holds (its events up to this one are already out). */
  revision(): number;
  /** The store's changes after `since` (RULES.md R2, R3). */
  changes(since: number, limit: number): Promise<ChangesPage>;
}

/**
 * The last event of a stream that cannot go on, sent as `event: TYPE` (so `EventSource.onmessage`
 * never takes it for a change) and followed by the end of the stream:
 *
 * - `compacted`: the changes after the revision asked for are no longer kept (R3): read the
 *   catalog again and follow from its revision;
 * - `reset`: the store does not hold the revision asked for at all (its latest is older: a
 *   memory store that restarted): read the catalog again;
 * - `overflow`: the client fell too far behind (more than the cap unread): reconnect with
 *   `Last-Event-ID` and it resumes where it was.
 */
export type TerminalEvent =
  | {
      readonly type: "compacted";
      readonly since: number;
      readonly oldest: number;
      readonly errors: readonly MrsError[];
    }
  | { readonly type: "reset"; readonly since: number; readonly revision: number }
  | { readonly type: "overflow"; readonly revision: number; readonly bufferedBytes: number };

/** Limits of the streams of one API instance. */
export interface EventStreamLimits {
  /** Interval of the `: keep-alive` comments. */
  readonly heartbeatMs: number;
  /**
   * Bytes a stream may hold unsent: past this, a live stream's client is not reading and the
   * stream ends with an `overflow` event (a replay waits for the client to drain instead).
   */
  readonly maxBufferedBytes: number;
}

/** The most changes one replay read asks the store for (each may hold a payload of up to 1 MiB). */
export const REPLAY_PAGE = 100;
/**
 * The most live events a stream holds while it replays: beyond, they are dropped and read from
 * the store instead (so a long replay costs memory for one page, not for everything said during it).
 */
export const MAX_HELD_EVENTS = 10_000;
/** How long a stream ended for falling behind may keep its socket for the last event to get out. */
const MAX_GRACE_MS = 5_000;

/**
 * The open server-sent-event streams of one API instance (RULES.md R2). Each change is an event
 * with `id:` its revision and one `data:` line of JSON with `type` and `revision` (so
 * `EventSource.onmessage` sees every one and sends `Last-Event-ID` when it reconnects).
 * Comments keep idle connections and proxies awake, and {@link EventStreams.closeAll} ends
 * every stream so that the server can close.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly limits: EventStreamLimits) {}

  /**
   * Takes over the reply and streams the changes after `since` (replayed from the store), then
   * the live ones, none missed and none twice; without `since`, from the registry's revision now.
   */
  serve(request: FastifyRequest, reply: FastifyReply, feed: ChangeFeed, since: number | undefined): void {
    reply.hijack();
    const stream = new ChangeStream(request.raw, reply.raw, feed, this.limits, () => this.open.delete(shutdown));
    const shutdown = () => stream.shutdown();
    this.open.add(shutdown);
    stream.start(since);
  }

  /** Ends every stream (on server close: an open stream would keep the server from closing). */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }

  /** How many streams are open (for tests and metrics). */
  get size(): number {
    return this.open.size;
  }
}

/**
 * One client's stream. It subscribes before it reads anything, so nothing said while it replays
 * is lost: live events are held until the replay has caught up with the store, then those beyond
 * the last revision sent go out. Whenever the events it is given skip a revision (the registry
 * read the whole state again, R3), it reads the store for the changes between.
 */
class ChangeStream {
  /** The revision of the last change sent. */
  private last = 0;
  private replaying = false;
  /** Live events that came while replaying. */
  private held: RegistryEvent[] = [];
  /** The highest revision of the held events dropped for being too many (read from the store instead). */
  private droppedUpTo = 0;
  private closed = false;
  /** Heartbeats that found a replay still waiting for the client to take what it was sent. */
  private stalledBeats = 0;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private unsubscribe: () => void = () => undefined;
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly request: IncomingMessage,
    private readonly raw: ServerResponse,
    private readonly feed: ChangeFeed,
    private readonly limits: EventStreamLimits,
    private readonly onClosed: () => void,
  ) {
    // The stream lives as long as the client wants it: the connection's idle timeout would cut it.
    request.socket?.setTimeout(0);
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    raw.on("close", () => this.close());
    raw.on("error", () => this.close());
    raw.on("drain", () => this.drained());
    this.heartbeat = setInterval(() => this.beat(), limits.heartbeatMs);
    this.heartbeat.unref();
  }

  start(since: number | undefined): void {
    this.unsubscribe = this.feed.subscribe((event) => this.onEvent(event));
    // Read in the same tick as subscribing: every change up to it was said before, every later one is heard.
    this.last = since ?? this.feed.revision();
    // An `id:` without data moves the client's Last-Event-ID: a stream that drops before its
    // first change still resumes from here, not from whatever happens to be live then.
    this.raw.write(`retry: 2000\nid: ${this.last}\n\n: connected at revision ${this.last}\n\n`);
    if (since !== undefined) void this.replay();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.held = [];
    this.drained();
    this.onClosed();
    // The connection goes with the stream (an EventSource never reuses it): once the end is out.
    const socket = this.request.socket;
    this.raw.once("finish", () => socket?.end());
    this.raw.end();
  }

  /** Ends the stream for the server's close: a client that is not reading loses what it did not take. */
  shutdown(): void {
    this.close();
    if (this.raw.writableLength > 0) this.request.socket?.destroy();
  }

  private onEvent(event: RegistryEvent): void {
    if (this.closed) return;
    if (this.replaying) {
      if (this.held.length >= MAX_HELD_EVENTS) {
        for (const held of this.held) this.droppedUpTo = Math.max(this.droppedUpTo, held.revision);
        this.held = [];
      }
      this.held.push(event);
      return;
    }
    if (event.revision <= this.last) return;
    if (event.revision === this.last + 1) {
      this.send(event);
      if (this.raw.writableLength > this.limits.maxBufferedBytes) this.overflow();
      return;
    }
    // A gap: the registry jumped (it read the store's state again); the store has the changes between.
    this.held.push(event);
    void this.replay();
  }

  /** Sends the store's changes after the last one sent, then the live events held meanwhile, then goes live. */
  private async replay(): Promise<void> {
    this.replaying = true;
    try {
      for (;;) {
        const page = await this.feed.changes(this.last, REPLAY_PAGE);
        if (this.closed) return;
        if (!page.ok) {
          return this.end({
            type: "compacted",
            since: this.last,
            oldest: page.oldest,
            errors: [compactedError(this.last, page.oldest)],
          });
        }
        if (page.changes.length === 0 && this.last > page.revision) {
          return this.end({ type: "reset", since: this.last, revision: page.revision });
        }
        const before = this.last;
        for (const change of page.changes) {
          if (change.revision <= this.last) continue;
          this.send(eventOf(change));
          // At the client's pace: what is unsent stays under the cap (and one change).
          if (!(await this.drain())) return;
        }
        if (page.changes.length > 0 && this.last < page.revision) continue;
        if (this.last < this.droppedUpTo) continue;
        // Caught up with the store: the events held beyond it go out, unless they skip a revision.
        const held = this.held;
        this.held = [];
        let gap = -1;
        for (const [i, event] of held.entries()) {
          if (event.revision <= this.last) continue;
          if (event.revision !== this.last + 1) {
            gap = i;
            break;
          }
          this.send(event);
        }
        if (gap < 0) {
          this.replaying = false;
          return;
        }
        // The registry told of a revision the store did not have to give: never spin on it; the
        // client reconnects and resumes from what it has.
        if (this.last === before) return this.close();
        this.held = [...held.slice(gap), ...this.held];
      }
    } catch {
      // The store failed: end the stream; the client resumes from its Last-Event-ID.
      this.close();
    }
  }

  /** Writes one change. */
  private send(event: RegistryEvent): void {
    if (this.closed) return;
    this.raw.write(`id: ${event.revision}\ndata: ${JSON.stringify(event)}\n\n`);
    this.last = event.revision;
  }

  /** Resolves `true` once what was sent is under the cap again, `false` if the stream closed meanwhile. */
  private drain(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.raw.writableLength <= this.limits.maxBufferedBytes) return Promise.resolve(true);
    return new Promise((resolve) => this.drainWaiters.push(() => resolve(!this.closed)));
  }

  private drained(): void {
    this.stalledBeats = 0;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  private beat(): void {
    if (this.closed) return;
    if (this.raw.writableLength > this.limits.maxBufferedBytes) {
      // A live stream over the cap, or a replay that has not moved for a whole interval: the client stopped reading.
      if (!this.replaying || ++this.stalledBeats >= 2) this.overflow();
      return;
    }
    this.raw.write(": keep-alive\n\n");
  }

  /** The client is not reading: a last event, then the connection goes (a stalled one within one interval). */
  private overflow(): void {
    const socket = this.request.socket;
    const bufferedBytes = this.raw.writableLength;
    this.end({ type: "overflow", revision: this.last, bufferedBytes });
    if (socket === null || socket.destroyed) return;
    const grace = setTimeout(() => socket.destroy(), Math.min(this.limits.heartbeatMs, MAX_GRACE_MS));
    grace.unref();
    socket.once("close", () => clearTimeout(grace));
  }

  /** Sends a terminal event and ends the stream. */
  private end(event: TerminalEvent): void {
    if (this.closed) return;
    this.raw.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    this.close();
  }
}

/** The R3 error for a `since` older than the oldest change kept. */
export function compactedError(since: number, oldest: number): MrsError {
  return mrsError(
    "REVISION_COMPACTED",
    "",
    `the changes after revision ${since} are no longer kept: the oldest revision held is ${oldest}`,
    { hint: "read the catalog again (GET /v1/modules answers its revision as ETag) and follow from that revision" },
  );
}
