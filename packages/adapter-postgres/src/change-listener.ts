import type pg from "pg";
import { checkout } from "./checkout.js";
import { quoteIdent } from "./identifiers.js";

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/** What a {@link ChangeListener} needs: where to connect, what to listen to, whom to tell. */
export interface ChangeListenerOptions {
  readonly pool: pg.Pool;
  /** The channels listened to, all on the one connection (the changes, the heartbeats). */
  readonly channels: readonly string[];
  /** A notification's payload arrived on one of the channels. */
  readonly onNotification: (channel: string, payload: string) => void;
  /** Runs before each LISTEN (the store makes sure that its tables exist); when it rejects, it is retried later. */
  readonly beforeListen: () => Promise<void>;
  /**
   * A query sent with the LISTEN, in the same round trip and session, so that it reads what was
   * committed before the listening began (notifications sent while no connection listened are
   * lost, so whoever watches must read again).
   */
  readonly readWithListen: string;
  /** The channel is listened to (again), with the rows {@link readWithListen} read. When it throws, the connection is replaced. */
  readonly onListening: (rows: unknown[]) => void;
  /** How often the idle listening connection is checked with `SELECT 1` (and how long the answer may take); 0: never. */
  readonly heartbeatMs: number;
}

/**
 * One connection that LISTENs on some channels, and comes back when it drops (server restart,
 * `pg_terminate_backend`, network), retrying with backoff from 100 ms up to 5 s.
 *
 * It is the one connection that stays idle for long, which is what firewalls and NAT tables
 * drop without a word: no error ever comes, and notifications silently stop. So it is checked
 * with a heartbeat query, and replaced when the answer does not come in time.
 *
 * The connection is taken from the pool and never given back for reuse: a session that
 * LISTENs must not serve other queries, so it is always released as broken (destroyed).
 */
export class ChangeListener {
  /** Ends the current connection (at most once), and reconnects later when `retry` is set. */
  private discard: ((retry: boolean) => void) | null = null;
  private stopped = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private listeningNow = false;

  constructor(private readonly options: ChangeListenerOptions) {
    void this.connect();
  }

  /** Whether a connection listens on the channels right now. */
  get listening(): boolean {
    return this.listeningNow;
  }

  /** Ends the listening connection and any pending reconnection. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.discard?.(false);
  }

  private async connect(): Promise<void> {
    // Until `discard` exists, a death is only noted: it is acted on just below.
    let onDeath: (() => void) | null = null;
    let diedEarly = false;
    const died = () => {
      if (onDeath === null) diedEarly = true;
      else onDeath();
    };
    let client: pg.PoolClient;
    try {
      client = await checkout(this.options.pool, died);
    } catch {
      this.retryLater();
      return;
    }
    client.on("end", died);
    if (this.stopped) {
      client.release(true);
      return;
    }
    let discarded = false;
    let heartbeat: NodeJS.Timeout | undefined;
    const discard = (retry: boolean) => {
      if (discarded) return;
      discarded = true;
      clearTimeout(heartbeat);
      this.listeningNow = false;
      if (this.discard === discard) this.discard = null;
      client.release(true);
      if (retry) this.retryLater();
    };
    this.discard = discard;
    // "error" and "end" both come, in either order, when the connection dies: the first one counts.
    onDeath = () => discard(true);
    if (diedEarly) {
      discard(true);
      return;
    }
    const { channels } = this.options;
    client.on("notification", (message) => {
      if (!discarded && channels.includes(message.channel)) {
        this.options.onNotification(message.channel, message.payload ?? "");
      }
    });
    let rows: unknown[];
    try {
      await this.options.beforeListen();
      // One round trip, two transactions: LISTEN takes effect when its transaction commits, so
      // it is committed before the read, whose snapshot then holds everything committed before
      // the listening began; what commits later is notified. (Statements of one simple query
      // share one transaction unless told otherwise: the BEGIN and COMMIT tell.) The session's
      // query in pg_stat_activity shows the LISTEN, for an operator looking for it.
      const listens = channels.map((channel) => `LISTEN ${quoteIdent(channel)};`).join(" ");
      const results = (await client.query(
        `BEGIN; ${listens} COMMIT; ${this.options.readWithListen}`,
      )) as unknown as pg.QueryResult[];
      rows = results[channels.length + 2]?.rows ?? [];
    } catch {
      discard(true);
      return;
    }
    if (discarded) return;
    const { heartbeatMs } = this.options;
    const beat = () => {
      heartbeat = setTimeout(async () => {
        const late = setTimeout(() => discard(true), heartbeatMs);
        try {
          await client.query("SELECT 1");
        } catch {
          discard(true);
        } finally {
          clearTimeout(late);
        }
        if (!discarded) beat();
      }, heartbeatMs);
      heartbeat.unref();
    };
    try {
      this.options.onListening(rows);
    } catch {
      discard(true);
      return;
    }
    this.listeningNow = true;
    this.retryMs = FIRST_RETRY_MS;
    if (heartbeatMs > 0) beat();
  }

  private retryLater(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    // A LOM without its database keeps retrying, but a retry timer alone never keeps a process alive.
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}
