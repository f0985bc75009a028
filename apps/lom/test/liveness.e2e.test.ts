// Liveness through the real binary (RULES.md L1, L4, L7): leases in the config, `lom modules`
// and `lom describe` showing state and lease, `lom deregister`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, lom, type RunningLom, startLom, tempDir, writeConfig } from "./harness.js";
import { validPayload } from "./hostile/http.js";

const TOKEN = "liveness-e2e-token";

describe("lom and leases", () => {
  let dir = "";
  let running: RunningLom;
  beforeAll(async () => {
    dir = tempDir();
    const port = await freePort();
    const config = writeConfig(dir, {
      listen: `127.0.0.1:${port}`,
      sources: [],
      store: "memory",
      tokens: [{ token: TOKEN, modules: ["*"] }],
      leases: { min: 30, max: 600, grace: 60 },
      compatibility: "strict",
    });
    running = await startLom(["--config", config, "--log", "pretty"], dir, port);
  });
  afterAll(async () => {
    await running?.stop();
  });

  const register = (name: string, query = "") =>
    fetch(`${running.url}/v1/registrations${query}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: validPayload(name, "1.0.0", name),
    });

  it("MRS-L1 the config's lease bounds clamp what a registration asks for", async () => {
    const answer = (await (await register("leased", "?lease=5")).json()) as { lease: { seconds: number } };
    expect(answer.lease.seconds).toBe(30);
  });

  it("MRS-L3 lom modules and lom describe show each module's state and lease", async () => {
    await register("plain");
    const modules = lom(["modules", "--url", running.url], dir);
    expect(modules.code, modules.stderr).toBe(0);
    expect(modules.stdout).toMatch(/leased 1\.0\.0 {2}live, lease 30 s until \d{4}-\d\d-\d\dT/);
    expect(modules.stdout).toMatch(/plain 1\.0\.0 {2}live {2}/);
    const json = JSON.parse(lom(["modules", "--url", running.url, "--json"], dir).stdout) as {
      modules: { module_name: string; state: string; lease?: { seconds: number } }[];
    };
    expect(json.modules.find((m) => m.module_name === "leased")).toMatchObject({
      state: "live",
      lease: { seconds: 30 },
    });
    const describe = lom(["describe", "leased/leased", "--url", running.url], dir);
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(/module: leased@1\.0\.0 {2}live, lease 30 s/);
  });

  it("MRS-L4 MRS-L7 lom deregister takes a module out; unknown names and missing tokens exit 1", async () => {
    await register("leaving");
    const refused = lom(["deregister", "leaving", "--url", running.url], dir);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain("UNAUTHORIZED");
    const done = lom(["deregister", "leaving", "--url", running.url, "--token", TOKEN, "--json"], dir);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout).decision).toMatchObject({ outcome: "deregistered", module: "leaving", rule: "L4" });
    expect(lom(["modules", "--url", running.url], dir).stdout).not.toContain("leaving");
    const again = lom(["deregister", "leaving", "--url", running.url, "--token", TOKEN], dir);
    expect(again.code).toBe(1);
    expect(again.stdout + again.stderr).toContain("UNKNOWN_MODULE");
  });
});
