import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserLaunch, chromiumForTests } from "@rune/test-services";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type RunningLom, startLom, tempDir, writeConfig } from "./harness.js";

const TOKEN = "dashboard-token";
const ARTIFACTS = fileURLToPath(new URL("../.artifacts/", import.meta.url));
const examples = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * A TCP proxy in front of the LOM that can drop every connection and hold new ones until told
 * to let them through: the page loses its event stream as on a network cut.
 */
async function cuttableProxy(port: number) {
  const open = new Set<Socket>();
  let holding: Socket[] | null = null;
  const pass = (client: Socket) => {
    const upstream = connect(port, "127.0.0.1");
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => undefined);
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  };
  const server: Server = createServer((client) => {
    if (holding !== null) {
      client.pause();
      client.on("error", () => undefined);
      holding.push(client);
    } else pass(client);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Drops every connection, and holds the new ones. */
    cut() {
      holding = [];
      for (const socket of open) socket.destroy();
    },
    /** Lets the held connections (and every later one) through. */
    heal() {
      const held = holding ?? [];
      holding = null;
      for (const client of held) pass(client);
    },
    async close() {
      for (const socket of open) socket.destroy();
      for (const socket of holding ?? []) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** Registers one module of one action (`act`) with `input` as its input schema; `query`: `?lease=...`. */
async function register(url: string, name: string, version: string, input: object, query = ""): Promise<Response> {
  return fetch(`${url}/v1/registrations${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      registration_metadata: { module_name: name, module_version: version, registered_at: "2026-01-01T00:00:00Z" },
      capabilities: [
        {
          action: "act",
          description: `The one action of ${name}`,
          input_schema: input,
          output_schema: { type: "object", properties: {} },
        },
      ],
    }),
  });
}

/** The revision the LOM's catalog is at: the ETag of GET /v1/modules (RULES.md R4). */
async function revisionOf(url: string): Promise<number> {
  const response = await fetch(`${url}/v1/modules`);
  await response.arrayBuffer();
  return Number(/"r(\d+)"/.exec(response.headers.get("etag") ?? "")?.[1]);
}

describe("the dashboard, in a real browser (the headless Chromium of @sparticuz/chromium, or CHROMIUM_PATH)", () => {
  let running: RunningLom;
  let launch: BrowserLaunch;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const dir = tempDir("lom-dashboard-");
    const port = await freePort();
    const config = writeConfig(dir, {
      listen: `127.0.0.1:${port}`,
      sources: [{ folder: examples("../examples") }, { folder: examples("../../../packages/schema/examples") }],
      store: "memory",
      tokens: [{ token: TOKEN, modules: ["*"] }],
      // A 1 s lease may be granted (RULES.md L1), so that an expiry is seen in a test; expired modules stay listed.
      leases: { min: 1, grace: 600 },
    });
    running = await startLom(["--config", config, "--log", "json"], dir, port);
    launch = await chromiumForTests();
    browser = await chromium.launch({ executablePath: launch.executablePath, args: [...launch.args], env: launch.env });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${running.url}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop("SIGTERM");
  });

  it("runs in the browser from the npm package unless CHROMIUM_PATH names another", () => {
    const bundled = launch.source.match(/^@sparticuz\/chromium@(\d+)\./);
    if (process.env.CHROMIUM_PATH) {
      expect(launch.executablePath).toBe(process.env.CHROMIUM_PATH);
    } else {
      // The package's major is the Chromium major it ships: this browser, not one of the machine's.
      expect(bundled?.[1]).toBeDefined();
      expect(browser.version().split(".")[0]).toBe(bundled?.[1]);
    }
  });

  it("shows the session and the shipped modules with their capabilities", async () => {
    await expect.poll(() => page.locator("#session-id").textContent()).not.toBe("…");
    const modules = page.locator("#modules");
    await expect.poll(() => modules.textContent()).toContain("restart-nomad");
    const text = (await modules.textContent()) ?? "";
    for (const name of ["s3-log-sink", "vault-secrets", "remediation-provider", "vault-secrets/read-secret"]) {
      expect(text).toContain(name);
    }
    expect(await page.locator("#count-rejected").textContent()).toBe("1");
  });

  it("MRS-S9 lists the decisions: the upgrade and the rejection with its rule ids", async () => {
    const decisions = (await page.locator("#decisions").textContent()) ?? "";
    expect(decisions).toContain("upgraded");
    expect(decisions).toContain("from 1.3.0");
    expect(decisions).toContain("INVALID_MODULE_NAME");
    expect(decisions).toContain("MRS-E3");
  });

  it("the search box filters capabilities by name and description", async () => {
    await page.fill("#search", "secret");
    const text = (await page.locator("#modules").textContent()) ?? "";
    expect(text).toContain("read-secret");
    expect(text).not.toContain("restart-nomad");
    await page.fill("#search", "");
  });

  it("opens a capability's schemas as readable fields, by keyboard", async () => {
    await page.locator('button[data-address="vault-secrets/read-secret"]').focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#detail-address").textContent()).toBe("vault-secrets/read-secret");
    const input = (await page.locator("#detail-input").textContent()) ?? "";
    expect(input).toContain("mount");
    expect(input).toContain("required");
  });

  it("MRS-I1 tries a valid and an invalid input through the validate route", async () => {
    await page.fill("#try-input", JSON.stringify({ mount: "secret", path: "apps/db" }));
    await page.click("#try button[type=submit]");
    await expect.poll(() => page.locator("#try-result").textContent()).toContain("Valid input");
    await page.fill("#try-input", JSON.stringify({ mount: 42 }));
    await page.click("#try button[type=submit]");
    await expect.poll(() => page.locator("#try-result").textContent()).toContain("Invalid input");
    expect(await page.locator("#try-result").textContent()).toContain("INPUT_INVALID");
  });

  it("shows a module registered over HTTP without a reload (server-sent events)", async () => {
    await expect.poll(() => page.locator("#live").getAttribute("data-state")).toBe("on");
    const response = await fetch(`${running.url}/v1/registrations`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        registration_metadata: {
          module_name: "late-arrival",
          module_version: "1.0.0",
          registered_at: "2026-01-01T00:00:00Z",
        },
        capabilities: [
          {
            action: "wave",
            description: "Waves at the operator",
            input_schema: { type: "object", properties: {} },
            output_schema: { type: "object", properties: {} },
          },
        ],
      }),
    });
    expect(response.status).toBe(201);
    await expect.poll(() => page.locator("#modules").textContent(), { timeout: 10_000 }).toContain("late-arrival");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
  });

  it("MRS-L1 MRS-L4 shows a leased module live with its lease counting down, and drops it when it is deregistered", async () => {
    const response = await register(
      running.url,
      "leased-one",
      "1.0.0",
      { type: "object", properties: {} },
      "?lease=120",
    );
    expect(response.status).toBe(201);
    const item = page.locator('#modules li[data-module="leased-one"]');
    await expect.poll(() => item.getAttribute("data-state"), { timeout: 10_000 }).toBe("live");
    expect(await item.locator(".state").textContent()).toBe("live");
    const lease = item.locator(".lease");
    const secondsLeft = async () => {
      const m = /lease: (?:(\d+) min )?(\d+) s left/.exec((await lease.textContent()) ?? "");
      return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : Number.NaN;
    };
    const first = await secondsLeft();
    expect(first).toBeGreaterThan(100);
    expect(first).toBeLessThanOrEqual(120);
    // The page counts down on its own, with no event from the LOM.
    await expect.poll(secondsLeft, { timeout: 5_000 }).toBeLessThan(first);

    const removed = await fetch(`${running.url}/v1/modules/leased-one`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(removed.status).toBeLessThan(300);
    await expect.poll(() => item.count(), { timeout: 10_000 }).toBe(0);
  });

  it("MRS-L3 marks a module whose lease ran out as expired, still listed", async () => {
    const response = await register(
      running.url,
      "short-lived",
      "1.0.0",
      { type: "object", properties: {} },
      "?lease=1",
    );
    expect(response.status).toBe(201);
    const item = page.locator('#modules li[data-module="short-lived"]');
    await expect.poll(() => item.getAttribute("data-state"), { timeout: 10_000 }).toBe("expired");
    expect(await item.locator(".state").textContent()).toBe("expired");
    expect(await item.locator(".lease").textContent()).toMatch(/lease ran out \d+ s ago/);
  });

  it("MRS-C1 MRS-C2 names what an undeclared breaking upgrade broke, and where, in the decisions", async () => {
    const before = { type: "object", properties: { a: { type: "string" } } };
    expect((await register(running.url, "compat-demo", "1.0.0", before)).status).toBe(201);
    const after = { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, required: ["b"] };
    const upgraded = await register(running.url, "compat-demo", "1.1.0", after);
    expect(upgraded.status).toBe(200);
    // Accepted under the default policy (warn), with the warning.
    expect(await upgraded.json()).toMatchObject({
      outcome: "upgraded",
      warnings: [{ code: "BREAKING_CHANGE_UNDECLARED" }],
    });
    const difference = page.locator('#decisions .difference[data-kind="required-property-added-to-open-object"]');
    await expect.poll(() => difference.count(), { timeout: 10_000 }).toBe(1);
    const text = (await difference.textContent()) ?? "";
    expect(text).toContain("breaking");
    expect(text).toContain("act");
    expect(text).toContain('required property "b"');
    expect(text).toContain("/capabilities/0/input_schema/properties/b");
    const row = page.locator("#decisions tr", {
      has: page.locator('.difference[data-kind="required-property-added-to-open-object"]'),
    });
    const rowText = (await row.textContent()) ?? "";
    expect(rowText).toContain("compat-demo@1.1.0");
    expect(rowText).toContain("Breaking, not declared by the version bump");
    expect(rowText).toContain("BREAKING_CHANGE_UNDECLARED");
    expect(rowText).toContain("MRS-C2");
  });

  it("MRS-R2 MRS-R4 after a dropped connection it resumes without a reload, shows what changed meanwhile and the revision it reflects", async () => {
    const proxy = await cuttableProxy(Number(new URL(running.url).port));
    const cut = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await cut.goto(`${proxy.url}/`);
      await expect.poll(() => cut.locator("#live").getAttribute("data-state")).toBe("on");
      const before = await revisionOf(running.url);
      await expect.poll(() => cut.locator("#revision").textContent()).toBe(String(before));
      // A mark a reload would wipe.
      await cut.evaluate(() => Object.assign(globalThis, { notReloaded: true }));

      proxy.cut();
      await expect.poll(() => cut.locator("#live").getAttribute("data-state")).toBe("off");
      const response = await fetch(`${running.url}/v1/registrations`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({
          registration_metadata: {
            module_name: "gap-arrival",
            module_version: "1.0.0",
            registered_at: "2026-01-01T00:00:00Z",
          },
          capabilities: [
            {
              action: "catch-up",
              description: "Registered while the dashboard was cut off",
              input_schema: { type: "object", properties: {} },
              output_schema: { type: "object", properties: {} },
            },
          ],
        }),
      });
      expect(response.status).toBe(201);
      const after = await revisionOf(running.url);
      expect(after).toBeGreaterThan(before);
      expect(await cut.locator("#modules").textContent()).not.toContain("gap-arrival");

      proxy.heal();
      await expect.poll(() => cut.locator("#modules").textContent(), { timeout: 15_000 }).toContain("gap-arrival");
      await expect.poll(() => cut.locator("#revision").textContent()).toBe(String(after));
      await expect.poll(() => cut.locator("#live").getAttribute("data-state")).toBe("on");
      expect(await cut.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
    } finally {
      await cut.close();
      await proxy.close();
    }
  });
});
