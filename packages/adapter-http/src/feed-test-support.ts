// Shared by this package's change-feed tests (not exported): reading event streams and stores
// that let a test step into a replay or answer "compacted".
import { once } from "node:events";
import { type ClientRequest, get, type IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import type { RegistryEvent, RegistryStore } from "@rune/mrs-core";
import { samplePayload } from "@rune/mrs-testkit";
import { readServerSentEvents } from "./client.js";

/** One server-sent event as a client reads it. */
export interface Message {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/**
 * An open `GET /v1/events` and its messages, read one at a time (each read waits for the next).
 * It is read with `node:http` on a connection of its own (no pool: closing it closes the socket).
 */
export class EventReader {
  private readonly messages: AsyncGenerator<Message>;

  constructor(
    readonly status: number,
    body: ReadableStream<Uint8Array>,
    private readonly request: ClientRequest,
  ) {
    this.messages = readServerSentEvents(body);
  }

  /** The next message, or `null` once the server ended the stream. */
  async next(): Promise<Message | null> {
    const read = await this.messages.next();
    return read.done ? null : read.value;
  }

  /** The changes (data events) until one with revision `revision` or more; fails on any other event. */
  async changesThrough(revision: number): Promise<RegistryEvent[]> {
    const changes: RegistryEvent[] = [];
    while ((changes.at(-1)?.revision ?? -1) < revision) {
      const message = await this.next();
      if (message === null) throw new Error(`the stream ended before revision ${revision}`);
      if (message.data === "") continue;
      if (message.event !== "message") throw new Error(`unexpected ${message.event} event: ${message.data}`);
      const change = JSON.parse(message.data) as RegistryEvent;
      expectIdOf(message, change);
      changes.push(change);
    }
    return changes;
  }

  /** Reads until the server ends the stream: every message. */
  async rest(): Promise<Message[]> {
    const out: Message[] = [];
    for (let message = await this.next(); message !== null; message = await this.next()) out.push(message);
    return out;
  }

  close(): void {
    this.request.destroy();
  }
}

function expectIdOf(message: Message, change: RegistryEvent): void {
  if (message.id !== String(change.revision)) {
    throw new Error(`event id ${message.id} is not the revision of its change (${change.revision})`);
  }
}

/** Opens `GET /v1/events` (with `since` in the query and/or a `Last-Event-ID`). */
export async function openEvents(
  base: string,
  init: { since?: number; lastEventId?: string; token?: string } = {},
): Promise<EventReader> {
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (init.lastEventId !== undefined) headers["last-event-id"] = init.lastEventId;
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const query = init.since === undefined ? "" : `?since=${init.since}`;
  const request = get(`${base}/v1/events${query}`, { headers, agent: false });
  const [response] = (await once(request, "response")) as [IncomingMessage];
  const body = Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>;
  return new EventReader(response.statusCode ?? 0, body, request);
}

/** Every change after `since` through `GET /v1/changes`, page by page (`limit` a page). */
export async function allChanges(base: string, since: number, limit = 1_000): Promise<RegistryEvent[]> {
  const out: RegistryEvent[] = [];
  let next = since;
  for (;;) {
    const response = await fetch(`${base}/v1/changes?since=${next}&limit=${limit}`);
    if (response.status !== 200) throw new Error(`GET /v1/changes answered ${response.status}`);
    const page = (await response.json()) as { changes: RegistryEvent[]; next: number; revision: number };
    out.push(...page.changes);
    if (page.next >= page.revision || page.changes.length === 0) return out;
    next = page.next;
  }
}

/** A deferred promise. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/**
 * A store whose next `changesSince` (once armed) stops for the test: `entered` resolves when it
 * is called, and it goes on when `release` is called, reading the inner store before stopping
 * (`read: "before"`: the answer misses what is committed meanwhile) or after (`"after"`: it has it).
 */
export function gatedStore(inner: RegistryStore): RegistryStore & {
  arm(read: "before" | "after"): { entered: Promise<void>; release(): void };
} {
  let gate: { read: "before" | "after"; entered: () => void; released: Promise<void> } | undefined;
  return {
    ...inner,
    name: inner.name,
    load: () => inner.load(),
    commit: (expected, changes) => inner.commit(expected, changes),
    async changesSince(since, limit) {
      const armed = gate;
      if (armed === undefined) return inner.changesSince(since, limit);
      gate = undefined;
      const early = armed.read === "before" ? await inner.changesSince(since, limit) : undefined;
      armed.entered();
      await armed.released;
      return early ?? inner.changesSince(since, limit);
    },
    arm(read) {
      const entered = deferred();
      const released = deferred();
      gate = { read, entered: () => entered.resolve(), released: released.promise };
      return { entered: entered.promise, release: () => released.resolve() };
    },
  };
}

/** A store that keeps only the changes from revision `oldest()` on (RULES.md R3), whatever its backing keeps. */
export function compactingStore(inner: RegistryStore, oldest: () => number): RegistryStore {
  return {
    ...inner,
    name: inner.name,
    load: () => inner.load(),
    commit: (expected, changes) => inner.commit(expected, changes),
    async changesSince(since, limit) {
      const kept = oldest();
      if (since < kept - 1) return { ok: false, compacted: true, oldest: kept };
      return inner.changesSince(since, limit);
    },
  };
}

/** A payload whose capabilities' descriptions make it about `bytes` long (for streams that must fill up). */
export function bulkyPayload(name: string, bytes: number) {
  const per = 4_000;
  const count = Math.max(1, Math.min(256, Math.ceil(bytes / per)));
  const actions = Array.from({ length: count }, (_, i) => `act-${i}`);
  const payload = samplePayload(name, "1.0.0", actions);
  return {
    ...payload,
    capabilities: payload.capabilities.map((capability, i) => ({
      ...capability,
      description: `${i} ${"x".repeat(per - 10)}`,
    })),
  };
}
