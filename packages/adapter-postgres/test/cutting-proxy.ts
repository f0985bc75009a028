import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of the test server that can lose a statement's answer: once armed with
 * a marker, the first connection that sends a message containing it has its next answer
 * dropped and both sides closed, as a network that fails just after the server committed
 * would. The one case that `pg_terminate_backend` cannot make on purpose: a commit that went
 * through but was never acknowledged.
 */
export interface CuttingProxy {
  /** A URL like the server's, through the proxy. */
  readonly url: string;
  /** Drop the answer to the next statement whose text contains `marker`; resolves once it is cut. */
  cutAnswerTo(marker: string): Promise<void>;
  /**
   * From now on, silently drop everything, both ways, on the connections that have sent
   * `marker`, keeping them open: a firewall that forgot them. Returns how many.
   */
  freezeConnectionsThatSent(marker: string): number;
  close(): Promise<void>;
}

export async function cuttingProxy(serverUrl: string): Promise<CuttingProxy> {
  const target = new URL(serverUrl);
  const sockets = new Set<Socket>();
  let armed: { marker: Buffer; cut: () => void } | null = null;
  const connections = new Set<{ sent: Buffer[]; frozen: boolean }>();

  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const connection = { sent: [] as Buffer[], frozen: false };
    connections.add(connection);
    client.on("close", () => connections.delete(connection));
    let cutNext: (() => void) | null = null;
    client.on("data", (chunk: Buffer) => {
      if (connection.frozen) return;
      connection.sent.push(chunk);
      if (armed !== null && chunk.includes(armed.marker)) {
        cutNext = armed.cut;
        armed = null;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (connection.frozen) return;
      if (cutNext !== null) {
        const cut = cutNext;
        cutNext = null;
        client.destroy();
        upstream.destroy();
        cut();
        return;
      }
      client.write(chunk);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
      a.on("error", () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address");
  const url = new URL(serverUrl);
  url.hostname = "127.0.0.1";
  url.port = String(address.port);

  return {
    url: url.toString(),
    cutAnswerTo(marker) {
      return new Promise((resolve) => {
        armed = { marker: Buffer.from(marker), cut: resolve };
      });
    },
    freezeConnectionsThatSent(marker) {
      let frozen = 0;
      for (const connection of connections) {
        if (connection.sent.some((chunk) => chunk.includes(marker))) {
          connection.frozen = true;
          frozen += 1;
        }
      }
      return frozen;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
