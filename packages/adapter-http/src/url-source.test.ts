import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry, type Discovery } from "@rune/mrs-core";
import { samplePayload, testSource } from "@rune/mrs-testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { servePayload } from "./serve-payload.js";
import { urlSource } from "./url-source.js";

/** A loopback server answering with `handle`; closed (with its connections) after each test. */
const open = new Set<Server>();
async function serve(handle: (req: IncomingMessage, res: ServerResponse, base: string) => void): Promise<string> {
  let base = "";
  const server = createServer((req, res) => handle(req, res, base));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  open.add(server);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}
async function closeAll() {
  for (const server of open) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  open.clear();
}

// The conformance suite: each entry served at /NAME by one loopback server.
testSource("url", {
  async create(entries) {
    const byPath = new Map(entries.map((e) => [`/${e.name}`, e.content]));
    const base = await serve((req, res) => {
      const content = byPath.get(req.url ?? "");
      if (content === undefined) res.writeHead(404).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(content);
    });
    return urlSource({ urls: entries.map((e) => `${base}/${e.name}`) });
  },
  store: () => memoryStore(),
});
afterAll(closeAll);

/** Discovers one URL with small limits. */
async function pullOne(url: string, options: Partial<Parameters<typeof urlSource>[0]> = {}) {
  const found = await urlSource({ urls: [url], timeoutMs: 300, retries: 0, backoffMs: 10, ...options }).discover();
  return { found: found[0] as Discovery };
}
const errorOf = (d: Discovery) => ("errors" in d ? d.errors[0] : undefined);
const textOf = (d: Discovery) => ("text" in d ? Buffer.from(d.text as Uint8Array).toString("utf8") : undefined);

describe("urlSource", () => {
  afterEach(closeAll);

  it("hands a body over as bytes, with the URL as its origin", async () => {
    const base = await serve((_req, res) => res.writeHead(200).end('{"a":1}'));
    const { found } = await pullOne(`${base}/m`);
    expect(found.origin).toBe(`url:${base}/m`);
    expect(textOf(found)).toBe('{"a":1}');
  });

  it("MRS-S9 a module that hangs: SOURCE_UNAVAILABLE after the timeout, promptly", async () => {
    const base = await serve(() => undefined);
    const { found } = await pullOne(`${base}/hang`);
    expect(errorOf(found)).toMatchObject({ code: "SOURCE_UNAVAILABLE", rule: "S9" });
    // Its own timeout (300 ms), not the test's, ended it: the message names it.
    expect(errorOf(found)?.message).toMatch(/no answer within 300 ms/);
  });

  it("MRS-S9 a module that sends headers, then stalls in the body: the timeout still holds", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"registration_metadata":');
    });
    const { found } = await pullOne(`${base}/slow`);
    expect(errorOf(found)?.code).toBe("SOURCE_UNAVAILABLE");
    expect(errorOf(found)?.message).toMatch(/no answer within 300 ms/);
  });

  it("a slow answer within the timeout is read", async () => {
    const base = await serve((_req, res) => {
      setTimeout(() => res.writeHead(200).end(JSON.stringify(samplePayload("slow"))), 100);
    });
    const { found } = await pullOne(`${base}/slow`, { timeoutMs: 2_000 });
    expect(JSON.parse(textOf(found) ?? "null").registration_metadata.module_name).toBe("slow");
  });

  it("MRS-E1 garbage is handed over, and the core rejects it as INVALID_JSON with the URL as source", async () => {
    const base = await serve((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>hi</html>"));
    const registry = createRegistry({ store: memoryStore(), sources: [urlSource({ urls: [`${base}/garbage`] })] });
    const report = await registry.start();
    expect(report.decisions[0]).toMatchObject({ outcome: "rejected", source: `url:${base}/garbage` });
    expect(report.decisions[0]?.errors[0]?.code).toBe("INVALID_JSON");
  });

  it("follows a redirect (relative Location) to the payload", async () => {
    const base = await serve((req, res) => {
      if (req.url === "/old") res.writeHead(302, { location: "/new" }).end();
      else res.writeHead(200).end('{"moved":true}');
    });
    const { found } = await pullOne(`${base}/old`);
    expect(textOf(found)).toBe('{"moved":true}');
  });

  it("a redirect loop: SOURCE_UNAVAILABLE naming too many redirects, without retrying", async () => {
    let hits = 0;
    const base = await serve((_req, res) => {
      hits += 1;
      res.writeHead(301, { location: "/loop" }).end();
    });
    const { found } = await pullOne(`${base}/loop`, { maxRedirects: 3, retries: 2 });
    expect(errorOf(found)?.code).toBe("SOURCE_UNAVAILABLE");
    expect(errorOf(found)?.message).toMatch(/more than 3 redirects/);
    expect(hits).toBe(4);
  });

  it("a redirect to another scheme is not followed", async () => {
    const base = await serve((_req, res) => res.writeHead(302, { location: "file:///etc/passwd" }).end());
    const { found } = await pullOne(`${base}/x`);
    expect(errorOf(found)?.message).toMatch(/file: URLs are not fetched/);
  });

  it("MRS-E11 a body declared larger than the cap: PAYLOAD_TOO_LARGE, not read", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-length": String(2 * 1024 * 1024) });
      res.write("x".repeat(1024));
    });
    // The body never ends: reading it to the end would have timed out (SOURCE_UNAVAILABLE).
    const { found } = await pullOne(`${base}/big`, { timeoutMs: 2_000 });
    expect(errorOf(found)).toMatchObject({ code: "PAYLOAD_TOO_LARGE", rule: "E11" });
  });

  it("MRS-E11 a streamed body that passes the cap: PAYLOAD_TOO_LARGE as soon as it does", async () => {
    let sent = 0;
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      // Chunked and endless: only the cap can stop it.
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && res.write("x".repeat(64 * 1024))) sent += 64 * 1024;
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const { found } = await pullOne(`${base}/stream`, { maxBytes: 256 * 1024, timeoutMs: 5_000 });
    expect(errorOf(found)?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it("retries a failure that may pass (503), with backoff, then reads the payload", async () => {
    const times: number[] = [];
    const base = await serve((_req, res) => {
      times.push(Date.now());
      if (times.length < 3) res.writeHead(503).end();
      else res.writeHead(200).end("{}");
    });
    const { found } = await pullOne(`${base}/flaky`, { retries: 3, backoffMs: 40 });
    expect(textOf(found)).toBe("{}");
    expect(times).toHaveLength(3);
    // 40 ms, then 80 ms.
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(35);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(75);
  });

  it("does not retry a 404, and says the status", async () => {
    let hits = 0;
    const base = await serve((_req, res) => {
      hits += 1;
      res.writeHead(404).end();
    });
    const { found } = await pullOne(`${base}/missing`, { retries: 3 });
    expect(errorOf(found)?.message).toMatch(/answered 404/);
    expect(hits).toBe(1);
  });

  it("gives up after its retries on a module that keeps failing, naming the attempts", async () => {
    let hits = 0;
    const base = await serve((_req, res) => {
      hits += 1;
      res.writeHead(500).end();
    });
    const { found } = await pullOne(`${base}/down`, { retries: 2, backoffMs: 5 });
    expect(errorOf(found)?.message).toMatch(/answered 500.*\(3 attempts\)/);
    expect(hits).toBe(3);
  });

  it("a refused connection: SOURCE_UNAVAILABLE naming it", async () => {
    const base = await serve(() => undefined);
    await closeAll();
    const { found } = await pullOne(`${base}/gone`);
    expect(errorOf(found)?.message).toMatch(/ECONNREFUSED/);
  });

  it("MRS-S9 one failing URL does not stop the others; each gets its own decision", async () => {
    const good = await servePayload(samplePayload("good"));
    const bad = await serve((_req, res) => res.writeHead(500).end());
    try {
      const source = urlSource({ urls: [good.url, `${bad}/x`], retries: 0, timeoutMs: 500 });
      const registry = createRegistry({ store: memoryStore(), sources: [source] });
      const report = await registry.start();
      expect(report.decisions.map((d) => [d.outcome, d.source])).toEqual([
        ["accepted", `url:${good.url}`],
        ["rejected", `url:${bad}/x`],
      ]);
      expect(report.decisions[1]?.errors[0]?.code).toBe("SOURCE_UNAVAILABLE");
    } finally {
      await good.close();
    }
  });
});

describe("servePayload", () => {
  it("serves the payload as JSON at its URL on loopback; other paths are 404", async () => {
    const served = await servePayload(samplePayload("served"), { path: "/mrs" });
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mrs$/);
      const response = await fetch(served.url);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual(samplePayload("served"));
      expect((await fetch(served.url.replace("/mrs", "/other"))).status).toBe(404);
      expect((await fetch(served.url, { method: "POST", body: "x" })).status).toBe(405);
    } finally {
      await served.close();
    }
  });

  it("serves text as it is, and a LOM pulling it accepts the module", async () => {
    const served = await servePayload(JSON.stringify(samplePayload("pulled", "2.0.0")));
    try {
      const registry = createRegistry({ store: memoryStore(), sources: [urlSource({ urls: [served.url] })] });
      await registry.start();
      expect(registry.module("pulled")?.payload.registration_metadata.module_version).toBe("2.0.0");
      expect(registry.module("pulled")?.source).toBe(`url:${served.url}`);
    } finally {
      await served.close();
    }
  });

  it("close() stops serving", async () => {
    const served = await servePayload({});
    await served.close();
    await expect(fetch(served.url)).rejects.toThrow();
  });
});
