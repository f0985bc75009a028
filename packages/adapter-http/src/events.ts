import type { IncomingMessage, ServerResponse } from "node:http";
import { type ChangesPage, eventOf, type MrsError, mrsError, type RegistryEvent } from "@rune/mrs-core";
import type { FastifyReply, FastifyRequest } from "fastify";

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
 * - `overflow`: the client stopped reading (more than the cap unsent at two heartbeats in a
 *   row, none of it taken in between): reconnect with `Last-Event-ID` and it resumes where it was.
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
   * Bytes a stream may hold unsent: past this, it sends nothing more until the client has taken
   * it (it holds the changes meanwhile, or reads them from the store later); a client that takes
   * none of it for two heartbeat intervals is dropped with an `overflow` event.
   */
  readonly maxBufferedBytes: number;
}

/** The most changes one replay read asks the store for (each may hold a payload of up to 1 MiB). */
export const REPLAY_PAGE = 100;
/**
 * The most live events a stream holds while it catches up, and the most bytes of them (this many
 * times its cap): beyond, they are dropped and read from the store instead, so a client far
 * behind costs a bounded share of memory, not everything said meanwhile.
 */
export const MAX_HELD_EVENTS = 10_000;
export const HELD_BYTES_PER_CAP = 4;
/**
 * How long a stream ended for not reading may keep its socket for the last event to get out: one
 * heartbeat interval, at least a quarter of a second and at most five.
 */
const MIN_GRACE_MS = 250;
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
 * One client's stream. It subscribes before it reads anything, so nothing said meanwhile is
 * lost: live events that cannot go out at once are held, and sent once the stream has caught up.
 * Catching up is one loop, at the client's pace (what is unsent stays under the cap, and one
 * change): it reads the store from the last revision sent when it must (a replay asked for with
 * `since`; held events that skip a revision, because the registry read its whole state again
 * (R3); held events dropped for being too many), and otherwise sends the held events. Once the
 * store is read to its head and nothing is held, the stream is live again.
 */
class ChangeStream {
  /** The revision of the last change sent. */
  private last = 0;
  /** Catching up (a replay, a gap, or a client behind): live events are held meanwhile. */
  private catchingUp = false;
  /** Live events held while catching up, in revision order, and the bytes of their frames. */
  private held: RegistryEvent[] = [];
  private heldBytes = 0;
  /** The highest revision of the held events dropped for being too many (read from the store instead). */
  private droppedUpTo = 0;
  private closed = false;
  /** Heartbeats in a row that found more than the cap unsent, without the client taking any. */
  private stalledBeats = 0;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private unsubscribe: () => void = () => undefined;
  private drainWaiters: (() => void)[] = [];
  /**
   * The callback of every write: the chunk left the process (the kernel took it), so the client
   * made room. This, not the `drain` event, is what tells the stream it is under its cap again:
   * Node emits `drain` only after a write went past the stream's own highWaterMark, which is not
   * the cap (16 KiB up to Node 20, 64 KiB since Node 22, whatever the server was created with),
   * and Node 24 emits a response's only once it holds nothing at all.
   */
  private readonly flushed = () => this.took();

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
    this.heartbeat = setInterval(() => this.beat(), limits.heartbeatMs);
    this.heartbeat.unref();
  }

  start(since: number | undefined): void {
    this.unsubscribe = this.feed.subscribe((event) => this.onEvent(event));
    // Read in the same tick as subscribing: every change up to it was said before, every later one is heard.
    this.last = since ?? this.feed.revision();
    // An `id:` without data moves the client's Last-Event-ID: a stream that drops before its
    // first change still resumes from here, not from whatever happens to be live then.
    this.write(`retry: 2000\nid: ${this.last}\n\n: connected at revision ${this.last}\n\n`);
    if (since !== undefined) void this.catchUp(true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.held = [];
    this.heldBytes = 0;
    this.wake();
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
    if (!this.catchingUp) {
      if (event.revision <= this.last) return;
      if (event.revision === this.last + 1 && this.raw.writableLength <= this.limits.maxBufferedBytes) {
        this.send(event);
        return;
      }
    }
    // A client behind (more than the cap unsent), a gap (the registry jumped: the store has the
    // changes between), or a catch-up under way: held, and sent at the client's pace.
    this.hold(event);
    if (!this.catchingUp) void this.catchUp(false);
  }

  private hold(event: RegistryEvent): void {
    const bytes = frameOf(event).length;
    if (
      this.held.length >= MAX_HELD_EVENTS ||
      this.heldBytes + bytes > HELD_BYTES_PER_CAP * this.limits.maxBufferedBytes
    ) {
      // Too much to hold for one client: the store has it all; read from there instead.
      for (const held of this.held) this.droppedUpTo = Math.max(this.droppedUpTo, held.revision);
      this.held = [];
      this.heldBytes = 0;
    }
    this.held.push(event);
    this.heldBytes += bytes;
  }

  /**
   * Sends what the client has not had, at its pace: from the store while `fromStore` (a replay
   * until the store's head) or while the held events cannot say (a gap, or some were dropped),
   * else the held events; then goes live.
   */
  private async catchUp(fromStore: boolean): Promise<void> {
    this.catchingUp = true;
    let readStore = fromStore;
    try {
      for (;;) {
        if (!(await this.drain())) return;
        this.dropSent();
        const next = this.held[0];
        const heldSays = this.droppedUpTo <= this.last && (next === undefined || next.revision === this.last + 1);
        if (!readStore && heldSays) {
          if (next === undefined) {
            this.catchingUp = false;
            return;
          }
          this.sendHeld();
          continue;
        }
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
          if (!(await this.drain())) return;
        }
        // More pages while the store has more than it gave.
        readStore = page.changes.length > 0 && this.last < page.revision;
        if (!readStore && this.last === before) {
          this.dropSent();
          const first = this.held[0];
          if (this.droppedUpTo > this.last || (first !== undefined && first.revision !== this.last + 1)) {
            // The registry told of a revision the store does not give: never spin on it; the
            // client reconnects and resumes from what it has.
            return this.close();
          }
        }
      }
    } catch {
      // The store failed: end the stream; the client resumes from its Last-Event-ID.
      this.close();
    }
  }

  /** Forgets the held events already sent. */
  private dropSent(): void {
    let sent = 0;
    while (sent < this.held.length && (this.held[sent] as RegistryEvent).revision <= this.last) {
      this.heldBytes -= frameOf(this.held[sent] as RegistryEvent).length;
      sent += 1;
    }
    if (sent > 0) this.held.splice(0, sent);
  }

  /** Sends the held events that follow the last one sent, until the cap. */
  private sendHeld(): void {
    let sent = 0;
    for (const event of this.held) {
      if (event.revision !== this.last + 1 || this.raw.writableLength > this.limits.maxBufferedBytes) break;
      this.send(event);
      this.heldBytes -= frameOf(event).length;
      sent += 1;
    }
    this.held.splice(0, sent);
  }

  /** Writes one change. */
  private send(event: RegistryEvent): void {
    if (this.closed) return;
    this.write(frameOf(event));
    this.last = event.revision;
  }

  /**
   * Every write of the stream goes through here, with {@link flushed} as its callback. What is
   * unsent is the response's `writableLength` (what it holds itself, as Node 24's does until the
   * next tick, and what its socket holds), never the socket's alone.
   */
  private write(text: string): void {
    this.raw.write(text, this.flushed);
  }

  /** Resolves `true` once what was sent is under the cap again, `false` if the stream closed meanwhile. */
  private drain(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.raw.writableLength <= this.limits.maxBufferedBytes) return Promise.resolve(true);
    return new Promise((resolve) => this.drainWaiters.push(() => resolve(!this.closed)));
  }

  /**
   * A write left the process: the client took something, so it is not stalled; once what is
   * unsent is under the cap, the stream goes on. Every byte counted unsent belongs to a write
   * whose callback is still to come, so the last of them always finds the stream under its cap.
   */
  private took(): void {
    if (this.closed) return;
    this.stalledBeats = 0;
    if (this.raw.writableLength <= this.limits.maxBufferedBytes) this.wake();
  }

  private wake(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  private beat(): void {
    if (this.closed) return;
    if (this.raw.writableLength > this.limits.maxBufferedBytes) {
      // More than the cap unsent at two heartbeats in a row, the client having taken none of it in
      // between (any write that leaves the process resets the count): it stopped reading.
      if (++this.stalledBeats >= 2) this.overflow();
      return;
    }
    this.stalledBeats = 0;
    this.write(": keep-alive\n\n");
  }

  /** The client is not reading: a last event, then the connection goes (a stalled one within one interval). */
  private overflow(): void {
    const socket = this.request.socket;
    const bufferedBytes = this.raw.writableLength;
    this.end({ type: "overflow", revision: this.last, bufferedBytes });
    if (socket === null || socket.destroyed) return;
    const grace = setTimeout(
      () => socket.destroy(),
      Math.min(Math.max(this.limits.heartbeatMs, MIN_GRACE_MS), MAX_GRACE_MS),
    );
    grace.unref();
    socket.once("close", () => clearTimeout(grace));
  }

  /** Sends a terminal event and ends the stream. */
  private end(event: TerminalEvent): void {
    if (this.closed) return;
    this.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    this.close();
  }
}

/**
 * The registry hands every stream the same event object: it is serialised once, not once per
 * stream (100 followers cost one `JSON.stringify` per change). Replayed changes are objects of
 * their stream's own, and leave the cache with it.
 */
const frames = new WeakMap<RegistryEvent, string>();
function frameOf(event: RegistryEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.revision}\ndata: ${JSON.stringify(event)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
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
