// The change feed (RULES.md R2): how fast `GET /v1/events` delivers changes to 100 followers,
// against bare server-sent-event writes of the same events to as many connections; and what a
// follower that stops reading can cost the server, against the same bare server. Both servers
// and their followers run in this process (the followers' reading costs both sides the same).
import { once } from "node:events";
import { createServer, request } from "node:http";
import { connect } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { createMrsServer } from "@rune/mrs-adapter-http";
import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry, eventOf } from "@rune/mrs-core";
import { acceptedChanges } from "../fixtures.mjs";

/** Followers of each stream. */
export const FOLLOWERS = 100;
/** Modules a burst commits: each is two changes (its decision and its put). */
const BURST = 500;
/** Followers that never read, for the memory they can hold. */
const STALLED = 10;
/** Bursts the stalled followers are sent. */
const STALL_BURSTS = 4;
/** The cap of the MRS streams (the default of `eventBufferBytes`). */
const CAP = 1024 * 1024;
const MiB = 1024 * 1024;

/**
 * A follower: a connection of its own reading the stream and counting its changes (`data:`
 * lines), with a promise for "it has seen this many".
 *
 * @param {string} url
 */
async function follower(url) {
  const req = request(url, { agent: false, headers: { accept: "text/event-stream" } });
  req.end();
  const [response] = /** @type {[import("node:http").IncomingMessage]} */ (await once(req, "response"));
  response.setEncoding("utf8");
  let seen = 0;
  let tail = "";
  /** @type {{ count: number, resolve: () => void } | null} */
  let waiting = null;
  const opened = new Promise((resolve) => {
    response.on("data", (/** @type {string} */ chunk) => {
      const text = tail + chunk;
      for (let at = text.indexOf("\ndata: "); at >= 0; at = text.indexOf("\ndata: ", at + 7)) seen += 1;
      tail = text.slice(-6);
      if (text.includes(": connected") || text.includes(": open")) resolve(undefined);
      if (waiting !== null && seen >= waiting.count) {
        const { resolve: done } = waiting;
        waiting = null;
        done();
      }
    });
  });
  await opened;
  return {
    /** @param {number} count */
    until(count) {
      if (seen >= count) return Promise.resolve();
      return new Promise((resolve) => {
        waiting = { count, resolve: () => resolve(undefined) };
      });
    },
    get seen() {
      return seen;
    },
    close() {
      req.destroy();
    },
  };
}

/**
 * Connections that send their request and never read a byte; the server-side socket of each,
 * to read what the server holds for it.
 *
 * @param {import("node:http").Server} server
 * @param {number} port
 */
async function stalledFollowers(server, port) {
  /** @type {import("node:net").Socket[]} */
  const serverSides = [];
  const accepted = new Promise((resolve) => {
    const onConnection = (/** @type {import("node:net").Socket} */ socket) => {
      serverSides.push(socket);
      if (serverSides.length === STALLED) {
        server.off("connection", onConnection);
        resolve(undefined);
      }
    };
    server.on("connection", onConnection);
  });
  const clients = [];
  for (let i = 0; i < STALLED; i++) {
    const client = connect(port, "127.0.0.1");
    await once(client, "connect");
    client.pause();
    client.on("error", () => undefined);
    client.write("GET /v1/events HTTP/1.1\r\nHost: bench\r\n\r\n");
    clients.push(client);
  }
  await accepted;
  // Each stream is open (its first line written) before the bursts: none misses them.
  while (serverSides.some((socket) => socket.bytesWritten === 0)) await delay(5);
  return { serverSides, clients };
}

/** The MRS side: a registry on a memory store, the API on it, changes committed by "another LOM". */
async function mrsSide() {
  const store = memoryStore();
  const registry = createRegistry({ store });
  await registry.start();
  // Heartbeats every second: a stalled follower's socket goes one interval after its last event.
  const server = createMrsServer({ registry, heartbeatMs: 1_000 });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const port = /** @type {import("node:net").AddressInfo} */ (server.server.address()).port;
  let offset = 0;
  return {
    port,
    http: server.server,
    /** Commits a burst to the store as another writer would, and has the registry follow it (its events go out). */
    async burst() {
      const changes = acceptedChanges(BURST, 1 + offset);
      offset += BURST;
      const result = await store.commit(registry.revision, changes);
      if (!result.ok) throw new Error("the bench's commit lost a race it cannot have");
      await registry.reload();
    },
    async close() {
      const closing = server.close();
      server.server.closeAllConnections();
      await closing;
      await registry.close();
    },
  };
}

/** The bare side: server-sent events written as they are to every open response. */
async function bareSide() {
  /** @type {Set<import("node:http").ServerResponse>} */
  const open = new Set();
  const server = createServer((_request, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(": open\n\n");
    open.add(res);
    res.on("close", () => open.delete(res));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = /** @type {import("node:net").AddressInfo} */ (server.address()).port;
  let revision = 1;
  let offset = 0;
  return {
    port,
    http: server,
    /** The same changes as events, each serialised once and written to every response. */
    async burst() {
      const changes = acceptedChanges(BURST, 1 + offset);
      offset += BURST;
      for (const change of changes) {
        revision += 1;
        const event = eventOf({ ...change, revision });
        const frame = `id: ${revision}\ndata: ${JSON.stringify(event)}\n\n`;
        for (const res of open) res.write(frame);
      }
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/**
 * One round on one side: events per second delivered to the followers over two bursts, and what
 * the stalled followers held.
 *
 * @param {() => Promise<Awaited<ReturnType<typeof mrsSide>>>} start
 */
async function measure(start) {
  const side = await start();
  try {
    const followers = await Promise.all(
      Array.from({ length: FOLLOWERS }, () => follower(`http://127.0.0.1:${side.port}/v1/events`)),
    );
    // A warm-up burst (JIT, socket buffers), then the measured one.
    await side.burst();
    await Promise.all(followers.map((f) => f.until(2 * BURST)));
    const started = performance.now();
    await side.burst();
    await Promise.all(followers.map((f) => f.until(4 * BURST)));
    const seconds = (performance.now() - started) / 1000;
    const rate = (FOLLOWERS * 2 * BURST) / seconds;
    for (const f of followers) f.close();

    // Followers that stop reading: the most the process held for one of them.
    const { serverSides, clients } = await stalledFollowers(side.http, side.port);
    let held = 0;
    for (let i = 0; i < STALL_BURSTS; i++) {
      await side.burst();
      for (const socket of serverSides) held = Math.max(held, socket.writableLength);
    }
    // Dropped: the server closed the socket within 3 s (MRS: two heartbeats without reading, then a grace of one).
    const closedWithin = (/** @type {import("node:net").Socket} */ socket) =>
      socket.destroyed
        ? Promise.resolve(true)
        : Promise.race([
            once(socket, "close").then(() => true),
            new Promise((resolve) => setTimeout(resolve, 3_000, false)),
          ]);
    const dropped = (await Promise.all(serverSides.map(closedWithin))).filter(Boolean).length;
    for (const client of clients) client.destroy();
    return { rate, held, dropped };
  } finally {
    await side.close();
  }
}

/**
 * @param {{ rounds: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function feedCase({ rounds, log }) {
  /** @type {{ rate: number, held: number, dropped: number }[]} */
  const mrs = [];
  /** @type {{ rate: number, held: number, dropped: number }[]} */
  const bare = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first, round by round.
    if (round % 2 === 0) {
      mrs.push(await measure(mrsSide));
      bare.push(await measure(bareSide));
    } else {
      bare.push(await measure(bareSide));
      mrs.push(await measure(mrsSide));
    }
    log(`  round ${round + 1} of ${rounds}`);
  }
  const heldMiB = (/** @type {{ held: number }[]} */ runs) => runs.map((run) => run.held / MiB);
  const maxHeld = Math.max(...mrs.map((run) => run.held)) / MiB;
  const bareHeld = Math.min(...bare.map((run) => run.held)) / MiB;
  return {
    id: "11",
    title: "The change feed (GET /v1/events)",
    about: [
      `${FOLLOWERS} followers, each on a connection of its own (node:http, in the bench's process), read \`GET /v1/events\` of`,
      "`createMrsServer` on a memory store while another writer commits bursts of",
      `${BURST} modules (${2 * BURST} changes) to the store and the registry follows (\`reload\`: apply, index, one event per change,`,
      "each written to every stream); against a bare `node:http` server writing the same events (`eventOf`, serialised",
      "once each) to as many responses. Events per second delivered to all followers over one burst, after a warm-up",
      `burst. Then ${STALLED} followers that send their request and never read get ${STALL_BURSTS} bursts: the most bytes the`,
      "server process held unsent for one of them (`socket.writableLength`; the kernel's socket buffers hold some more,",
      "outside the process).",
    ].join("\n"),
    rows: [
      {
        name: `events delivered per second to ${FOLLOWERS} followers vs bare SSE writes of the same events`,
        subject: { label: "MRS", unit: "/s", values: mrs.map((run) => run.rate) },
        baseline: { label: "bare SSE", unit: "/s", values: bare.map((run) => run.rate) },
        target: { op: ">=", value: 0.5 },
        note: "the MRS side also applies each change to the catalog and its index, as a LOM following another does",
      },
      {
        name: "bytes held in the server for one follower that never reads",
        subject: { label: "MRS (cap 1 MiB)", unit: "MiB", values: heldMiB(mrs) },
        baseline: { label: "bare SSE", unit: "MiB", values: heldMiB(bare) },
        target: { op: "<=", value: 0.5 },
        note: `MRS dropped ${mrs.map((run) => `${run.dropped}/${STALLED}`).join(", ")} stalled followers per round (an \`overflow\` event after two heartbeats without reading, then the socket); the bare server dropped none`,
      },
    ],
    notes: [
      `A follower that stops reading costs the MRS server at most the cap (\`eventBufferBytes\`, ${CAP / MiB} MiB by default) and the event that crossed it: measured at most ${maxHeld.toFixed(2)} MiB. It is then sent an \`overflow\` event and dropped, and resumes with \`Last-Event-ID\` if it comes back; the bare server held ${bareHeld.toFixed(1)} MiB or more for each, growing with every change.`,
    ],
  };
}
