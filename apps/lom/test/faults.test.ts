// Fault injection through the app's doors (RULES.md S9, S11): a store that fails on the n-th
// write behind the HTTP API, the file store on a full disk and in a folder that turns read-only
// (through the real `lom start`), and module URLs that hang, crawl, send garbage or redirect
// forever. The adapters' own tests cover each part alone; these check the composed app.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { constants as osConstants } from "node:os";
import { dirname, join } from "node:path";
import { fileStore } from "@rune/mrs-adapter-file";
import { memoryStore } from "@rune/mrs-adapter-memory";
import { type CatalogData, type Change, type CommitResult, createRegistry, type RegistryStore } from "@rune/mrs-core";
import { faultyStore } from "@rune/mrs-testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, LOM, lom, type RunningLom, startLom, tempDir, whenReady, writeConfig } from "./harness.js";
import { ALL, call, serve, validPayload } from "./hostile/http.js";

// ---- a store that fails on the n-th write, behind the HTTP API ----

/** A scripted session: each step a request and the status it gets when nothing fails. */
const STEPS: readonly { label: string; body: string; status: number }[] = [
  { label: "accept a", body: validPayload("fault-a", "1.0.0"), status: 201 },
  { label: "accept b", body: validPayload("fault-b", "1.0.0"), status: 201 },
  { label: "upgrade a (S3)", body: validPayload("fault-a", "2.0.0"), status: 200 },
  { label: "reject an invalid payload (S9)", body: validPayload("Fault-C", "1.0"), status: 422 },
  { label: "reject a lower version (S4)", body: validPayload("fault-a", "1.5.0"), status: 409 },
  { label: "accept c", body: validPayload("fault-c", "1.0.0"), status: 201 },
];

async function catalogOf(store: RegistryStore): Promise<{ revision: number; data: CatalogData } | null> {
  return store.load();
}

/** What a session ends with, without the ids and times that differ from run to run. */
function essence(data: CatalogData | undefined): unknown {
  if (data === undefined) return null;
  return {
    modules: Object.fromEntries(Object.entries(data.modules).map(([n, m]) => [n, m.payload])),
    decisions: data.decisions.map((d) => [d.outcome, d.module, d.version, d.errors.map((e) => e.code)]),
  };
}

describe("MRS-S11 a store that fails on the n-th write, behind POST /v1/registrations", { timeout: 60_000 }, () => {
  let reference: unknown;

  beforeAll(async () => {
    // The same script with nothing failing: what every faulty run must end with.
    const store = memoryStore();
    const registry = createRegistry({ store });
    await registry.start();
    const api = await serve(registry, store);
    try {
      for (const step of STEPS) {
        expect((await call(`${api.url}/v1/registrations`, { token: ALL, body: step.body })).status, step.label).toBe(
          step.status,
        );
      }
      reference = essence((await store.load())?.data);
    } finally {
      await api.close();
      await registry.close();
    }
  });

  it.each(STEPS.map((step, i) => [i + 1, step.label, i] as const))(
    "MRS-S11 write %i fails (%s): 503 STORE_UNAVAILABLE, nothing half-written, the retry and the rest as without the fault",
    async (_n, _label, failing) => {
      // Commit 1 opens the session at start; step i is commit i + 2.
      const store = faultyStore(memoryStore(), { failCommit: failing + 2, error: () => new Error("disk on fire") });
      const registry = createRegistry({ store });
      await registry.start();
      const api = await serve(registry, store);
      try {
        for (const [i, step] of STEPS.entries()) {
          if (i === failing) {
            const before = await catalogOf(store);
            const modulesBefore = (await call(`${api.url}/v1/modules`)).text;
            const failed = await call(`${api.url}/v1/registrations`, { token: ALL, body: step.body });
            expect(failed.status, step.label).toBe(503);
            expect(failed.body.errors).toMatchObject([{ code: "STORE_UNAVAILABLE", rule: "S11" }]);
            expect(failed.body.errors[0].message).toContain("disk on fire");
            expect(failed.body.sessionId).toBeNull();
            // Nothing half-written: the store, and what the API serves, are as before the request.
            expect(await catalogOf(store)).toEqual(before);
            expect((await call(`${api.url}/v1/modules`)).text).toBe(modulesBefore);
          }
          const answer = await call(`${api.url}/v1/registrations`, { token: ALL, body: step.body });
          expect(answer.status, `${step.label}${i === failing ? " (the retry)" : ""}`).toBe(step.status);
        }
        expect(essence((await store.load())?.data)).toEqual(reference);
        expect((await call(`${api.url}/healthz`)).status).toBe(200);
      } finally {
        await api.close();
        await registry.close();
      }
    },
  );

  it("MRS-S5 MRS-S11 a store that writes but loses the acknowledgement: 503, and the retry learns it went through (identical: true)", async () => {
    const inner = memoryStore();
    let dropNextAck = false;
    const store: RegistryStore = {
      name: "lossy-ack",
      load: () => inner.load(),
      changesSince: (since, limit) => inner.changesSince(since, limit),
      async commit(expected: number, changes: readonly Change[]): Promise<CommitResult> {
        const result = await inner.commit(expected, changes);
        if (dropNextAck && result.ok) {
          dropNextAck = false;
          throw new Error("connection reset after the write");
        }
        return result;
      },
    };
    const registry = createRegistry({ store });
    await registry.start();
    const api = await serve(registry, store);
    try {
      dropNextAck = true;
      const body = validPayload("fault-ack");
      const first = await call(`${api.url}/v1/registrations`, { token: ALL, body });
      expect(first.status).toBe(503);
      expect(first.body.errors[0]).toMatchObject({ code: "STORE_UNAVAILABLE", rule: "S11" });
      const retry = await call(`${api.url}/v1/registrations`, { token: ALL, body });
      expect(retry.status).toBe(409);
      expect(retry.body.errors[0]).toMatchObject({ code: "DUPLICATE_REGISTRATION", rule: "S5", identical: true });
      // The module is held once, as written, and the next registration works.
      expect((await call(`${api.url}/v1/modules/fault-ack`)).status).toBe(200);
      expect(
        (await call(`${api.url}/v1/registrations`, { token: ALL, body: validPayload("fault-after") })).status,
      ).toBe(201);
    } finally {
      await api.close();
      await registry.close();
    }
  });
});

// ---- the file store on a full disk and in a folder that turns read-only, through lom start ----

/** /healthz's status once it settles: polled for up to 10 s until it answers 200. */
async function healthEventually(url: string): Promise<number> {
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    status = (await call(`${url}/healthz`)).status;
  }
  return status;
}

/** Whether a process ignores or catches `signal` (Linux: its SigIgn and SigCgt masks in /proc). */
function signalCannotKill(pid: number, signal: NodeJS.Signals): boolean {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mask = (name: string) => BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, "m").exec(status)?.[1] ?? "0"}`);
  const bit = 1n << BigInt((osConstants.signals[signal] as number) - 1);
  return ((mask("SigIgn") | mask("SigCgt")) & bit) !== 0n;
}

/** Mounts a tmpfs of `size` at `dir` (root with CAP_SYS_ADMIN); false where mounting is not allowed. */
function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]).status === 0;
}

/** Every file under a folder, with its bytes: what a failed write must leave exactly as it was. */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f !== "ballast")
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), "utf8")]),
  );
}

/** A payload of about `bytes`, so that few of them fill a small disk. */
const padded = (name: string, bytes: number) =>
  validPayload(name).replace(/}$/, `,"x-padding":"${"p".repeat(bytes)}"}`);

/**
 * `lom start` in a child process, optionally under `ulimit -f KIB` (bash counts in KiB: writes
 * past the cap fail with EFBIG, as a full disk fails with ENOSPC) or as another user. Under a
 * cap the kernel sends SIGXFSZ, whose default action would end the process before the write can
 * fail: `lom start` handles it itself (nothing preloaded here), so the write fails instead.
 */
async function startApp(
  dir: string,
  port: number,
  options: { fileKiB?: number; uid?: number } = {},
): Promise<RunningLom> {
  const argv = [process.execPath, LOM, "start", "--config", "lom.config.json"];
  const [command, ...args] =
    options.fileKiB === undefined ? argv : ["bash", "-c", `ulimit -f ${options.fileKiB} && exec "$@"`, "bash", ...argv];
  const child = spawn(command as string, args, {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  return whenReady(child, port);
}

/**
 * How this machine can make a folder read-only for a running `lom start`: remount our tmpfs
 * read-only (root with mount rights: EROFS); take the write bit away (not root: EACCES); or,
 * for root without mount rights, run the app as nobody and take the bit away from nobody.
 */
interface ReadOnlyWay {
  readonly name: string;
  readonly error: RegExp;
  start(folder: string, port: number): Promise<RunningLom>;
  lock(folder: string): void;
  unlock(folder: string): void;
}

const NOBODY = 65534;

function readOnlyWay(disk: string, mounted: boolean): ReadOnlyWay {
  if (mounted) {
    return {
      name: "a tmpfs remounted read-only",
      error: /EROFS/,
      start: (folder, port) => startApp(folder, port),
      lock: () => expect(spawnSync("mount", ["-o", "remount,ro", disk]).status).toBe(0),
      unlock: () => spawnSync("mount", ["-o", "remount,rw", disk]),
    };
  }
  const root = process.getuid?.() === 0;
  return {
    name: root ? "a folder nobody may write, the app run as nobody" : "a folder without the write bit",
    error: /EACCES/,
    start: (folder, port) => {
      if (!root) return startApp(folder, port);
      // nobody must reach the folder: through the test's own temporary folder (mkdtemp makes it 0700).
      chmodSync(dirname(disk), 0o755);
      spawnSync("chmod", ["-R", "a+rX", disk]);
      spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, folder]);
      return startApp(folder, port, { uid: NOBODY });
    },
    lock: (folder) => chmodSync(folder, 0o555),
    unlock: (folder) => chmodSync(folder, 0o755),
  };
}

describe("MRS-S11 the file store on a full disk and in a read-only folder, through lom start", {
  timeout: 60_000,
}, () => {
  const root = tempDir("lom-faults-disk-");
  const disk = join(root, "disk");
  const mounted = mountTmpfs(disk, "256k");
  const readOnly = readOnlyWay(disk, mounted);
  const running: RunningLom[] = [];
  afterEach(async () => {
    for (const lomProcess of running.splice(0)) await lomProcess.stop("SIGKILL");
  });
  afterAll(() => {
    if (mounted) spawnSync("umount", ["-l", disk]);
    rmSync(root, { recursive: true, force: true });
  });

  const config = async (folder: string) => {
    const port = await freePort();
    writeConfig(folder, {
      listen: `127.0.0.1:${port}`,
      store: "file:catalog.json",
      sources: [],
      tokens: [{ token: ALL, modules: ["*"] }],
    });
    return port;
  };

  it(`MRS-S11 a full disk (${mounted ? "a 256 KiB tmpfs" : "ulimit -f: no tmpfs may be mounted here"}): 503 naming the cause, the catalog file intact, serving on`, async () => {
    const folder = join(disk, "full");
    mkdirSync(folder, { recursive: true });
    // Ballast takes most of the disk; removing it later makes room again.
    if (mounted) writeFileSync(join(folder, "ballast"), Buffer.alloc(120 * 1024));
    const port = await config(folder);
    const app = await startApp(folder, port, mounted ? {} : { fileKiB: 64 });
    running.push(app);

    const acknowledged: string[] = [];
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    let before: Record<string, string> = {};
    for (let i = 0; i < 40 && refused === undefined; i++) {
      before = filesOf(folder);
      const answer = await call(`${app.url}/v1/registrations`, { token: ALL, body: padded(`disk-${i}`, 8 * 1024) });
      if (answer.status === 201) acknowledged.push(`disk-${i}`);
      else refused = answer;
    }
    expect(refused?.status, "the disk filled up").toBe(503);
    expect(refused?.body.errors[0]).toMatchObject({ code: "STORE_UNAVAILABLE", rule: "S11" });
    expect(refused?.body.errors[0].message).toMatch(mounted ? /ENOSPC/ : /EFBIG/);
    expect(acknowledged.length).toBeGreaterThan(0);

    // The files are byte for byte what they were before the failed write: no temporary file left,
    // the catalog whole, holding exactly the acknowledged modules.
    expect(filesOf(folder)).toEqual(before);
    const stored = await fileStore({ path: join(folder, "catalog.json"), watch: false }).load();
    expect(Object.keys(stored?.data.modules ?? {})).toContain(`disk-${acknowledged.length - 1}`);
    const served = (await call(`${app.url}/v1/modules`)).body.modules.map(
      (m: { module_name: string }) => m.module_name,
    );
    expect(served.sort()).toEqual([...acknowledged].sort());

    if (mounted) {
      // Room again: the next registration goes through (a cap set by ulimit cannot be lifted).
      rmSync(join(folder, "ballast"));
      const again = await call(`${app.url}/v1/registrations`, { token: ALL, body: padded("disk-after", 1024) });
      expect(again.status, again.text).toBe(201);
    }
    // Right after a failed write /healthz may say 503 (the store failed); it reads the store again
    // within a second or two and, reads working, says 200.
    expect(await healthEventually(app.url)).toBe(200);
  });

  it("MRS-S11 under ulimit -f, lom start survives SIGXFSZ: the write past the cap is 503 naming EFBIG, the LOM serves on", async () => {
    // Always under the cap (the full-disk test above prefers a tmpfs where one can be mounted).
    const folder = join(root, "fsize");
    mkdirSync(folder, { recursive: true });
    const app = await startApp(folder, await config(folder), { fileKiB: 64 });
    running.push(app);

    const acknowledged: string[] = [];
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 40 && refused === undefined; i++) {
      const answer = await call(`${app.url}/v1/registrations`, { token: ALL, body: padded(`fsize-${i}`, 8 * 1024) });
      if (answer.status === 201) acknowledged.push(`fsize-${i}`);
      else refused = answer;
    }
    expect(acknowledged.length, "registrations went through before the cap").toBeGreaterThan(0);
    expect(refused?.status, refused?.text).toBe(503);
    expect(refused?.body.errors[0]).toMatchObject({ code: "STORE_UNAVAILABLE", rule: "S11" });
    expect(refused?.body.errors[0].message).toMatch(/EFBIG/);

    // Alive, not killed by the signal: it still reads, and holds exactly what it acknowledged.
    // (Node itself has ignored SIGXFSZ since v12; lom start catches it too, so that no runtime
    // default decides: either way the kernel's signal can no longer end the process.)
    expect(signalCannotKill(app.child.pid as number, "SIGXFSZ")).toBe(true);
    expect(app.child.exitCode).toBeNull();
    expect(app.child.signalCode).toBeNull();
    const modules = await call(`${app.url}/v1/modules`);
    expect(modules.status).toBe(200);
    expect(modules.body.modules.map((m: { module_name: string }) => m.module_name).sort()).toEqual(
      [...acknowledged].sort(),
    );
    expect((await call(`${app.url}/v1/session`)).status).toBe(200);
    // And it still stops cleanly on SIGTERM, not by the file-size signal.
    expect(await app.stop("SIGTERM")).toBe(0);
    expect(app.child.signalCode).toBeNull();
  });

  it(`MRS-S11 a folder that turns read-only under a running LOM (${readOnly.name}): 503 naming the cause, nothing changed, writing again once it is writable`, async () => {
    const folder = join(disk, "ro");
    mkdirSync(folder, { recursive: true });
    const app = await readOnly.start(folder, await config(folder));
    running.push(app);
    expect((await call(`${app.url}/v1/registrations`, { token: ALL, body: validPayload("ro-a") })).status).toBe(201);
    const before = filesOf(folder);
    readOnly.lock(folder);
    try {
      const refused = await call(`${app.url}/v1/registrations`, { token: ALL, body: validPayload("ro-b") });
      expect(refused.status).toBe(503);
      expect(refused.body.errors[0]).toMatchObject({ code: "STORE_UNAVAILABLE", rule: "S11" });
      expect(refused.body.errors[0].message).toMatch(readOnly.error);
      expect(filesOf(folder)).toEqual(before);
      expect((await call(`${app.url}/v1/modules/ro-a`)).status).toBe(200);
    } finally {
      readOnly.unlock(folder);
    }
    expect((await call(`${app.url}/v1/registrations`, { token: ALL, body: validPayload("ro-b") })).status).toBe(201);
  });

  it(`MRS-S11 lom start on a store in a read-only folder (${readOnly.name}) stops with exit 1 and says why`, async () => {
    const folder = join(disk, "ro-start");
    mkdirSync(folder, { recursive: true });
    const port = await config(folder);
    readOnly.lock(folder);
    try {
      const failure = await readOnly.start(folder, port).then(
        (app) => {
          running.push(app);
          return "it started";
        },
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/exited with 1/);
      expect(failure).toMatch(/cannot start on the store/);
      expect(failure).toMatch(readOnly.error);
      expect(existsSync(join(folder, "catalog.json"))).toBe(false);
    } finally {
      readOnly.unlock(folder);
    }
  });
});

// ---- module URLs that misbehave, through lom start with {"url": ...} sources ----

describe("MRS-S9 module URL sources that hang, crawl, send garbage or redirect forever, through lom start", {
  timeout: 60_000,
}, () => {
  let hostile: Server;
  let base = "";
  const hits = new Map<string, number>();
  const dir = tempDir("lom-faults-url-");
  let app: RunningLom;

  const payloadOf = (name: string, pattern?: string) =>
    JSON.stringify({
      registration_metadata: { module_name: name, module_version: "1.0.0", registered_at: "2025-12-01T00:00:00Z" },
      capabilities: [
        {
          action: "run",
          description: "Runs it",
          input_schema: { type: "object", properties: { x: { type: "string", ...(pattern ? { pattern } : {}) } } },
          output_schema: { type: "object" },
        },
      ],
    });

  /** Each path a module that misbehaves in one way, and what lom must record for it. */
  const MODULES: Record<string, { expect: string; message?: RegExp }> = {
    "/hang": { expect: "SOURCE_UNAVAILABLE", message: /no answer within 5000 ms \(3 attempts\)/ },
    "/slow": { expect: "accepted" },
    "/trickle": { expect: "accepted" },
    "/garbage": { expect: "INVALID_JSON" },
    "/loop": { expect: "SOURCE_UNAVAILABLE", message: /more than 5 redirects/ },
    "/to-file": { expect: "SOURCE_UNAVAILABLE", message: /file: URLs are not fetched/ },
    "/huge": { expect: "PAYLOAD_TOO_LARGE" },
    "/missing": { expect: "SOURCE_UNAVAILABLE", message: /answered 404/ },
    "/unavailable": { expect: "SOURCE_UNAVAILABLE", message: /answered 503.*\(3 attempts\)/ },
    "/redos": { expect: "UNSAFE_PATTERN" },
  };

  beforeAll(async () => {
    hostile = createServer((request, response) => {
      const path = request.url ?? "/";
      hits.set(path, (hits.get(path) ?? 0) + 1);
      switch (path) {
        case "/hang":
          return; // never answers; closed in afterAll
        case "/slow":
          setTimeout(
            () => response.writeHead(200, { "content-type": "application/json" }).end(payloadOf("url-slow")),
            1500,
          );
          return;
        case "/trickle": {
          const text = payloadOf("url-trickle");
          response.writeHead(200, { "content-type": "application/json" });
          let at = 0;
          const timer = setInterval(() => {
            response.write(text.slice(at, at + 20));
            at += 20;
            if (at >= text.length) {
              clearInterval(timer);
              response.end();
            }
          }, 100);
          return;
        }
        case "/garbage":
          response.writeHead(200, { "content-type": "application/json" });
          response.end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
          return;
        case "/loop":
          response.writeHead(302, { location: "/loop" }).end();
          return;
        case "/to-file":
          response.writeHead(302, { location: "file:///etc/passwd" }).end();
          return;
        case "/huge": {
          response.writeHead(200, { "content-type": "application/json" });
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          let sent = 0;
          const pump = () => {
            while (sent < 10 * 1024 * 1024 && !response.destroyed) {
              sent += chunk.byteLength;
              if (!response.write(chunk)) return void response.once("drain", pump);
            }
            response.end();
          };
          pump();
          return;
        }
        case "/unavailable":
          response.writeHead(503).end();
          return;
        case "/redos":
          response.writeHead(200, { "content-type": "application/json" }).end(payloadOf("url-redos", "^(?=(a+)+$)"));
          return;
        default:
          response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
    const port = await freePort();
    writeConfig(dir, {
      listen: `127.0.0.1:${port}`,
      store: "memory",
      sources: Object.keys(MODULES).map((path) => ({ url: `${base}${path}` })),
      tokens: [{ token: ALL, modules: ["*"] }],
    });
    // Discovery waits out the hanging module: three attempts of 5 s (the defaults), then serves.
    app = await startLom(["--config", "lom.config.json"], dir, port);
  }, 60_000);
  afterAll(async () => {
    await app?.stop("SIGKILL");
    hostile.closeAllConnections();
    await new Promise((resolve) => hostile.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("MRS-S9 the LOM starts and serves; each URL has one decision naming it and what went wrong", async () => {
    expect((await call(`${app.url}/healthz`)).status).toBe(200);
    const { decisions } = (await call(`${app.url}/v1/decisions`)).body as {
      decisions: { source: string; outcome: string; errors: { code: string; rule: string; message: string }[] }[];
    };
    for (const [path, want] of Object.entries(MODULES)) {
      const mine = decisions.filter((d) => d.source === `url:${base}${path}`);
      expect(mine, path).toHaveLength(1);
      const [decision] = mine;
      if (want.expect === "accepted") {
        expect(decision?.outcome, path).toBe("accepted");
        continue;
      }
      expect(decision?.outcome, path).toBe("rejected");
      expect(decision?.errors[0]?.code, path).toBe(want.expect);
      // The decision's source names the URL; a failure of the source itself names it in the message too.
      if (decision?.errors[0]?.code !== "INVALID_JSON" && decision?.errors[0]?.code !== "UNSAFE_PATTERN") {
        expect(decision?.errors[0]?.message, path).toContain(`${base}${path}`);
      }
      if (want.message) expect(decision?.errors[0]?.message, path).toMatch(want.message);
    }
    const modules = (await call(`${app.url}/v1/modules`)).body.modules.map(
      (m: { module_name: string }) => m.module_name,
    );
    expect(modules.sort()).toEqual(["url-slow", "url-trickle"]);
  });

  it("MRS-S9 retries are bounded: the hanging and the failing module were each asked three times, the redirect loop six", () => {
    expect(hits.get("/hang")).toBe(3);
    expect(hits.get("/unavailable")).toBe(3);
    expect(hits.get("/loop")).toBe(6);
    expect(hits.get("/missing")).toBe(1);
  });

  it("MRS-S9 lom why names the rejection of a module served with a catastrophic pattern, and the source of an accepted one", () => {
    const rejected = lom(["why", "url-redos", "--url", app.url, "--json"], dir);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(JSON.parse(rejected.stdout).decisions).toMatchObject([
      { outcome: "rejected", source: `url:${base}/redos`, errors: [{ code: "UNSAFE_PATTERN", rule: "E11" }] },
    ]);
    const accepted = lom(["why", "url-trickle", "--url", app.url], dir);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`accepted url-trickle@1.0.0`);
    expect(accepted.stdout).toContain(`from url:${base}/trickle`);
  });

  it("MRS-S2 registering over HTTP works beside the failed sources", async () => {
    const answer = await call(`${app.url}/v1/registrations`, { token: ALL, body: validPayload("after-url-faults") });
    expect(answer.status).toBe(201);
  });
});
