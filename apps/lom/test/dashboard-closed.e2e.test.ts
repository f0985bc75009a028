import { fileURLToPath } from "node:url";
import { type BrowserLaunch, chromiumForTests } from "@rune/test-services";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type RunningLom, startLom, tempDir, writeConfig } from "./harness.js";

/** Distinctive, so that any copy of it in a URL or a log line is found. */
const TOKEN = "closed-dashboard-secret-7f3a9c";
const examples = (path: string) => fileURLToPath(new URL(path, import.meta.url));

describe('the dashboard of a closed catalog ("read": "token"), in a real browser', () => {
  let running: RunningLom;
  let launch: BrowserLaunch;
  let browser: Browser;
  let page: Page;
  const requests: { url: string; authorization?: string }[] = [];

  beforeAll(async () => {
    const dir = tempDir("lom-dashboard-closed-");
    const port = await freePort();
    const config = writeConfig(dir, {
      listen: `127.0.0.1:${port}`,
      sources: [{ folder: examples("../examples") }],
      store: "memory",
      read: "token",
      tokens: [{ token: TOKEN, modules: ["*"] }],
    });
    running = await startLom(["--config", config, "--log", "json"], dir, port);
    launch = await chromiumForTests();
    browser = await chromium.launch({ executablePath: launch.executablePath, args: [...launch.args], env: launch.env });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (request) => {
      requests.push({ url: request.url(), authorization: request.headers().authorization });
    });
    await page.goto(`${running.url}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop("SIGTERM");
  });

  it("MRS-A1 MRS-A3 asks for the token, then follows the change feed with it in a header: a module registered later arrives live", async () => {
    // The page asks for the token when a read answers 401.
    await expect.poll(() => page.locator("#auth").isVisible(), { timeout: 10_000 }).toBe(true);
    await page.fill("#token", TOKEN);
    await page.click("#auth button[type=submit]");
    await expect.poll(() => page.locator("#session-id").textContent(), { timeout: 10_000 }).not.toBe("…");
    await expect.poll(() => page.locator("#live").getAttribute("data-state"), { timeout: 10_000 }).toBe("on");
    await expect.poll(() => page.locator("#modules").textContent()).toContain("vault-secrets");

    const response = await fetch(`${running.url}/v1/registrations`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        registration_metadata: {
          module_name: "closed-arrival",
          module_version: "1.0.0",
          registered_at: "2026-01-01T00:00:00Z",
        },
        capabilities: [
          {
            action: "knock",
            description: "Arrives while the page follows a closed catalog",
            input_schema: { type: "object", properties: {} },
            output_schema: { type: "object", properties: {} },
          },
        ],
      }),
    });
    expect(response.status).toBe(201);
    await expect.poll(() => page.locator("#modules").textContent(), { timeout: 10_000 }).toContain("closed-arrival");

    // The stream was read with the token as a bearer header, not in its URL.
    const streams = requests.filter((r) => new URL(r.url).pathname === "/v1/events");
    expect(streams.length).toBeGreaterThan(0);
    expect(streams.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
    for (const { url } of requests) {
      expect(url).not.toContain(TOKEN);
      expect(url).not.toMatch(/[?&]token=/);
    }
  });

  it("MRS-A3 leaves no token in the LOM's log, and no request URL in it holds token=", () => {
    const log = running.output();
    const lines = log.split("\n").filter((line) => line.trim() !== "");
    const urls = lines.flatMap((line) => {
      try {
        const url = (JSON.parse(line) as { req?: { url?: string } }).req?.url;
        return typeof url === "string" ? [url] : [];
      } catch {
        return [];
      }
    });
    // The page's reads were logged (so the check below looked at them), the event stream among them.
    expect(urls).toContain("/v1/events");
    expect(urls.some((url) => url.startsWith("/v1/modules"))).toBe(true);
    expect(log).not.toContain(TOKEN);
    for (const url of urls) expect(url).not.toContain("token=");
  });
});
