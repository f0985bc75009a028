import type { FastifyReply, FastifyRequest } from "fastify";

/** What the event stream carries besides the registry's own events. */
export type StoreEvent = { readonly type: "store"; readonly revision: number };

/** A buffered answer larger than this means the client stopped reading: it is dropped, not waited for. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * The open server-sent-event streams of one API instance. Each event is one `data:` line of
 * JSON (so `EventSource.onmessage` sees every one), comments keep idle connections and proxies
 * awake, and {@link EventStreams.closeAll} ends every stream so that the server can close.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly heartbeatMs: number) {}

  /** Takes over the reply and streams events from `subscribe` until the client or the server goes. */
  serve(request: FastifyRequest, reply: FastifyReply, subscribe: (send: (event: unknown) => void) => () => void): void {
    reply.hijack();
    const raw = reply.raw;
    // The stream lives as long as the client wants it: the connection's idle timeout would cut it.
    request.raw.socket?.setTimeout(0);
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    let closed = false;
    const write = (chunk: string) => {
      if (closed) return;
      if (raw.writableLength > MAX_BUFFERED_BYTES) {
        close();
        return;
      }
      raw.write(chunk);
    };
    const unsubscribe = subscribe((event) => write(`data: ${JSON.stringify(event)}\n\n`));
    const heartbeat = setInterval(() => write(": heartbeat\n\n"), this.heartbeatMs);
    heartbeat.unref();
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(close);
      raw.end();
    };
    this.open.add(close);
    request.raw.on("close", close);
    raw.on("error", close);
    write(`retry: 2000\n: connected\n\n`);
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
