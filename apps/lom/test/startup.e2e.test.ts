// lom start listens before it discovers: while a module URL holds discovery, /healthz answers
// 503 saying what it waits for and writes answer 503, then 200 once discovery is over. Driven
// through the real binary; the URL source's request is held by the test and released on cue,
// so nothing here waits on a clock.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, outputMatching, spawnJsonLom, tempDir, writeConfig } from "./harness.js";
import { ALL, call, validPayload } from "./hostile/http.js";

describe("lom start listens first, and says what it waits for", () => {
  const dir = tempDir("lom-startup-");
  let held: Server;
  let heldUrl = "";
  /** The held request's response, once the LOM asked for the module. */
  let pending: ServerResponse | undefined;
  let asked: Promise<void>;
  let child: ChildProcess;
  let seen = { text: "" };
  let url = "";

  beforeAll(async () => {
    let markAsked: () => void = () => undefined;
    asked = new Promise((resolve) => {
      markAsked = resolve;
    });
    held = createServer((_request: IncomingMessage, response: ServerResponse) => {
      pending = response;
      markAsked();
    });
    await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
    heldUrl = `http://127.0.0.1:${(held.address() as AddressInfo).port}/held-module`;

    mkdirSync(join(dir, "modules"));
    writeFileSync(join(dir, "modules/from-folder.json"), validPayload("from-folder"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    writeConfig(dir, {
      listen: `127.0.0.1:${port}`,
      store: "file:state/catalog.json",
      sources: [{ folder: "modules" }, { url: heldUrl }],
      tokens: [{ token: ALL, modules: ["*"] }],
    });
    ({ child, seen } = spawnJsonLom(dir));
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    held.closeAllConnections();
    await new Promise((resolve) => held.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("MRS-S11 while a module URL holds discovery: /healthz 503 names the wait, writes 503 STORE_UNAVAILABLE, then 200 once released", async () => {
    // The LOM listens before it asks the sources: once the URL is asked, its port answers.
    await asked;
    expect(seen.text).toMatch(/"msg":"listening/);

    const waiting = await call(`${url}/healthz`);
    expect(waiting.status).toBe(503);
    expect(waiting.body.errors[0]).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(waiting.body.errors[0].message).toContain("discovering from 2 sources");
    expect(waiting.body.errors[0].message).toContain(`url:${heldUrl}`);

    // A registration now is refused, not decided into a session discovery has not resumed yet.
    const early = await call(`${url}/v1/registrations`, { token: ALL, body: validPayload("too-early") });
    expect(early.status).toBe(503);
    expect(early.body.errors[0]).toMatchObject({ code: "STORE_UNAVAILABLE", rule: "S11" });
    expect(early.body.errors[0].message).toContain("discovering from 2 sources");
    // Still authenticated first: no token is 401 even now.
    expect((await call(`${url}/v1/registrations`, { body: validPayload("too-early") })).status).toBe(401);
    // Reads have no catalog to show yet.
    expect((await call(`${url}/v1/modules`)).status).toBe(503);

    // Release the module: discovery ends, the store is opened, the LOM says it is ready.
    (pending as ServerResponse).writeHead(200, { "content-type": "application/json" }).end(validPayload("from-url"));
    await outputMatching(child, /"msg":"ready"/, seen);

    const ready = await call(`${url}/healthz`);
    expect(ready.status, ready.text).toBe(200);
    const modules = (await call(`${url}/v1/modules`)).body.modules.map((m: { module_name: string }) => m.module_name);
    expect(modules.sort()).toEqual(["from-folder", "from-url"]);
    // The early registration left no trace: one session, the two discovered decisions only.
    const { decisions } = (await call(`${url}/v1/decisions`)).body as { decisions: { module: string }[] };
    expect(decisions.map((d) => d.module).sort()).toEqual(["from-folder", "from-url"]);
    // And writing works now.
    expect((await call(`${url}/v1/registrations`, { token: ALL, body: validPayload("on-time") })).status).toBe(201);
  });

  it("SIGTERM after a start behind a held URL still shuts down cleanly (exit 0)", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});

describe("lom start asked to stop while a module URL holds discovery", () => {
  it("SIGTERM stops it at once with exit 0, nothing written, without waiting for the URL to give up", async () => {
    const dir = tempDir("lom-startup-stop-");
    let markAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => {
      markAsked = resolve;
    });
    // Never answers: only the LOM's own exit ends this test.
    const held = createServer(() => markAsked());
    await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
    try {
      const port = await freePort();
      writeConfig(dir, {
        listen: `127.0.0.1:${port}`,
        store: "file:state/catalog.json",
        sources: [{ url: `http://127.0.0.1:${(held.address() as AddressInfo).port}/never` }],
      });
      const { child, seen, exited } = spawnJsonLom(dir);
      await asked;
      expect((await call(`http://127.0.0.1:${port}/healthz`)).status).toBe(503);
      child.kill("SIGTERM");
      expect(await exited, seen.text).toBe(0);
      expect(seen.text).toMatch(/"msg":"stopped while discovering"/);
      expect(existsSync(join(dir, "state/catalog.json"))).toBe(false);
    } finally {
      held.closeAllConnections();
      await new Promise((resolve) => held.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("lom start logs every decision of its discovery", () => {
  it("MRS-S9 one JSON line per decision, in the report's order, all before `ready`, however many slices they take", async () => {
    const dir = tempDir("lom-startup-log-");
    try {
      const port = await freePort();
      mkdirSync(join(dir, "modules"));
      // More than one slice of lines (250), and a rejection among them.
      const count = 601;
      for (let i = 0; i < count; i++) {
        writeFileSync(join(dir, `modules/m${String(i).padStart(3, "0")}.json`), validPayload(`m${i}`));
      }
      writeFileSync(join(dir, "modules/broken.json"), "{ not json");
      writeConfig(dir, {
        listen: `127.0.0.1:${port}`,
        store: "file:state/catalog.json",
        sources: [{ folder: "modules" }],
      });
      const { child, seen, exited } = spawnJsonLom(dir);
      await outputMatching(child, /"msg":"ready"/, seen);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);

      const lines = seen.text
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg: string; decision?: { source: string; outcome: string } });
      const ready = lines.findIndex((line) => line.msg === "ready");
      const decisions = lines.flatMap((line, index) =>
        line.decision === undefined ? [] : [{ ...line.decision, index }],
      );
      expect(decisions).toHaveLength(count + 1);
      expect(decisions.every((d) => d.index < ready)).toBe(true);
      expect(decisions.filter((d) => d.outcome === "rejected").map((d) => d.source)).toEqual([
        `folder:${join(dir, "modules/broken.json")}`,
      ]);
      // In the order of the session's decisions, as GET /v1/decisions keeps them (sources in name order).
      const sources = decisions.map((d) => d.source);
      expect(sources).toEqual([...sources].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
