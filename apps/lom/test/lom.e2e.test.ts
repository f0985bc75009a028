import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, lom, type RunningLom, startLom, tempDir, writeConfig } from "./harness.js";

const TOKEN = "e2e-secret-token";
const payload = (name: string, version: string) => ({
  registration_metadata: { module_name: name, module_version: version, registered_at: "2025-12-01T00:00:00Z" },
  capabilities: [
    {
      action: "echo",
      description: "Echoes a message",
      input_schema: {
        type: "object",
        properties: { msg: { type: "string" }, times: { type: "integer" } },
        required: ["msg"],
      },
      output_schema: { type: "object", properties: { result: { type: "string" } }, required: ["result"] },
    },
  ],
});

describe("lom, driven the way an operator would", () => {
  let dir = "";
  let running: RunningLom;
  let config = "";

  beforeAll(async () => {
    dir = tempDir();
    mkdirSync(join(dir, "modules"));
    writeFileSync(join(dir, "modules/echo.json"), JSON.stringify(payload("echo", "1.0.0")));
    writeFileSync(join(dir, "modules/broken.json"), "{ not json");
    const port = await freePort();
    config = writeConfig(dir, {
      listen: `127.0.0.1:${port}`,
      sources: [{ folder: "modules" }],
      store: "file:state/catalog.json",
      tokens: [{ env: "E2E_LOM_TOKEN", modules: ["*"] }],
    });
    running = await startLom(["--config", config, "--log", "pretty"], dir, port, { E2E_LOM_TOKEN: TOKEN });
  });

  afterAll(async () => {
    await running?.stop("SIGKILL");
  });

  it("start prints the discovery and where to look", () => {
    const out = running.output();
    expect(out).toContain("1 accepted");
    expect(out).toContain("1 rejected");
    expect(out).toContain(`${running.url}/`);
  });

  it("lists modules and capabilities over --url, and from the local store in a second process", () => {
    const remote = lom(["modules", "--json", "--url", running.url], dir);
    expect(remote.code).toBe(0);
    expect(remote.stdout).toContain('"echo"');
    const local = lom(["capabilities", "--json", "--config", config], dir);
    expect(local.code, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout)).toMatchObject({
      capabilities: [expect.objectContaining({ address: "echo/echo" })],
    });
  });

  it("describe shows both schemas readably, and raw with --json; exit 1 for an unknown action", () => {
    const human = lom(["describe", "echo", "--url", running.url], dir);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/msg\s+string, required/);
    expect(human.stdout).toMatch(/times\s+integer, optional/);
    const raw = lom(["describe", "echo/echo", "--json", "--config", config], dir);
    expect(JSON.parse(raw.stdout)).toMatchObject({
      input_schema: { required: ["msg"] },
      output_schema: { required: ["result"] },
    });
    expect(lom(["describe", "nope", "--url", running.url], dir).code).toBe(1);
  });

  it("MRS-S9 why names the rejection of a broken manifest with its rule", () => {
    const why = lom(["why", "echo", "--json", "--url", running.url], dir);
    expect(why.code).toBe(0);
    expect(JSON.parse(why.stdout).decisions[0]).toMatchObject({ outcome: "accepted", module: "echo" });
    expect(lom(["why", "never-registered", "--url", running.url], dir).code).toBe(1);
  });

  it("MRS-S3 MRS-S4 registers over HTTP with a token: an upgrade, then a superseded version", async () => {
    const post = (body: unknown, token?: string) =>
      fetch(`${running.url}/v1/registrations`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post(payload("echo", "2.0.0"))).status).toBe(401);
    expect((await post(payload("echo", "2.0.0"), TOKEN)).status).toBe(200);
    expect((await post(payload("echo", "1.5.0"), TOKEN)).status).toBe(409);
    const why = lom(["why", "echo", "--url", running.url], dir);
    expect(why.stdout).toContain("upgraded echo@2.0.0 (from 1.0.0)");
    expect(why.stdout).toContain("VERSION_SUPERSEDED");
  });

  it("MRS-I1 validate-input converts K=V parameters to the schema's types", () => {
    const good = lom(["validate-input", "echo", "msg=hi", "times=3", "--json", "--url", running.url], dir);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ input: { msg: "hi", times: 3 }, valid: true });
    const bad = lom(["validate-input", "echo", "times=three", "--url", running.url], dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("INPUT_INVALID");
  });

  it("validate checks files without a running LOM, with rule ids and pointers", () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ ...payload("Echo", "1.0"), extra: 1 }));
    const out = lom(["validate", "--json", file, join(dir, "modules/echo.json")], dir);
    expect(out.code).toBe(1);
    const results = JSON.parse(out.stdout).results;
    expect(results[0]).toMatchObject({ file, valid: false });
    expect(results[0].errors.map((e: { code: string }) => e.code)).toEqual(
      expect.arrayContaining(["INVALID_MODULE_NAME", "INVALID_VERSION", "UNKNOWN_FIELD"]),
    );
    expect(results[1]).toMatchObject({ valid: true, errors: [] });
    const human = lom(["validate", file], dir);
    expect(human.stdout).toContain("MRS-E3");
    expect(human.stdout).toContain("/registration_metadata/module_name");
  });

  it("MRS-S10 refresh over HTTP opens a new session; without a token it is refused", () => {
    const before = JSON.parse(lom(["modules", "--json", "--url", running.url], dir).stdout);
    expect(lom(["refresh", "--url", running.url], dir).code).toBe(1);
    const refreshed = lom(["refresh", "--json", "--url", running.url, "--token", TOKEN], dir);
    expect(refreshed.code, refreshed.stdout + refreshed.stderr).toBe(0);
    // Re-discovery from the folder: echo is back at 1.0.0, the HTTP registrations belonged to the old session.
    const after = JSON.parse(lom(["modules", "--json", "--url", running.url], dir).stdout);
    expect(JSON.stringify(after)).toContain('"1.0.0"');
    expect(JSON.stringify(before)).toContain('"2.0.0"');
  });

  it("SIGTERM shuts down cleanly (exit 0) and leaves the store whole for the next process", async () => {
    expect(await running.stop("SIGTERM")).toBe(0);
    const stored = JSON.parse(readFileSync(join(dir, "state/catalog.json"), "utf8"));
    expect(stored).toBeTruthy();
    const modules = lom(["modules", "--json", "--config", config], dir);
    expect(modules.code).toBe(0);
    expect(modules.stdout).toContain('"echo"');
  });
});

describe("lom usage and configuration errors", () => {
  it("--help helps, for the program and for every command", () => {
    const dir = tempDir();
    const help = lom(["--help"], dir);
    expect(help.code).toBe(0);
    for (const command of ["start", "validate", "modules", "capabilities", "describe", "why", "refresh", "schema"]) {
      expect(help.stdout).toContain(command);
      expect(lom([command, "--help"], dir).code).toBe(0);
    }
  });

  it("exit 2 on a usage error and on a config that does not validate, naming every fault", () => {
    const dir = tempDir();
    expect(lom(["frobnicate"], dir).code).toBe(2);
    expect(lom(["validate"], dir).code).toBe(2);
    const bad = writeConfig(dir, { listen: "everywhere", store: "ftp://x", read: "maybe" });
    const out = lom(["start", "--config", bad], dir);
    expect(out.code).toBe(2);
    for (const pointer of ["/listen", "/store", "/read"]) expect(out.stderr).toContain(pointer);
  });

  it("schema prints the registration JSON Schema", () => {
    const out = lom(["schema"], tempDir());
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema" });
  });

  it("a corrupt store file stops lom start with an error naming the file, and the file is unchanged", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "state"));
    const file = join(dir, "state/catalog.json");
    writeFileSync(file, '{"format": "rune-mrs-catalog", "formatVer');
    const config = writeConfig(dir, {
      listen: `127.0.0.1:${await freePort()}`,
      store: "file:state/catalog.json",
      sources: [],
    });
    const out = lom(["start", "--config", config], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("catalog.json");
    expect(out.stderr).toContain("STORE_CORRUPT");
    expect(readFileSync(file, "utf8")).toBe('{"format": "rune-mrs-catalog", "formatVer');
    expect(existsSync(file)).toBe(true);
  });
});

describe("lom start on the embedded defaults", () => {
  it("runs the shipped examples into a file store under .lom/ and shows an upgrade and a rejection", async () => {
    const dir = tempDir();
    const port = await freePort();
    const running = await startLom(["--listen", `127.0.0.1:${port}`, "--log", "pretty"], dir, port);
    try {
      const out = running.output();
      expect(out).toMatch(/4 accepted, 1 upgraded, 1 rejected, 0 unchanged/);
      expect(out).toContain(`http://127.0.0.1:${port}/`);
      expect(existsSync(join(dir, ".lom/catalog.json"))).toBe(true);
      const modules = (await (await fetch(`${running.url}/v1/modules`)).json()) as unknown;
      expect(JSON.stringify(modules)).toContain("restart-nomad");
      const page = await fetch(`${running.url}/`);
      expect(page.headers.get("content-type")).toContain("text/html");
    } finally {
      expect(await running.stop("SIGINT")).toBe(0);
    }
  });

  it("a restart on the same store finds every shipped manifest unchanged: no rejection, no new decision", async () => {
    const dir = tempDir();
    const port = await freePort();
    const decisionsAfter = async (running: { url: string }) =>
      ((await (await fetch(`${running.url}/v1/session`)).json()) as { decisions: number }).decisions;
    const first = await startLom(["--listen", `127.0.0.1:${port}`, "--log", "pretty"], dir, port);
    const recorded = await decisionsAfter(first);
    expect(await first.stop("SIGTERM")).toBe(0);
    for (let restart = 0; restart < 2; restart++) {
      const again = await startLom(["--listen", `127.0.0.1:${port}`, "--log", "pretty"], dir, port);
      try {
        expect(again.output()).toMatch(/resumed session \S+: 0 accepted, 0 upgraded, 0 rejected, 6 unchanged/);
        expect(again.output()).not.toContain("DUPLICATE_REGISTRATION");
        expect(await decisionsAfter(again)).toBe(recorded);
      } finally {
        expect(await again.stop("SIGTERM")).toBe(0);
      }
    }
  });
});

describe('lom\'s compile cache (README.md, "Compile cache")', () => {
  const cached = (folder: string) => (existsSync(folder) ? readdirSync(folder).sort() : []);

  it("keeps the program's compiled code where NODE_COMPILE_CACHE says, once, and takes it at the next run", () => {
    const cwd = tempDir();
    const folder = join(cwd, "compile-cache", "lom");
    const first = lom(["--version"], cwd, { NODE_COMPILE_CACHE: join(cwd, "compile-cache") });
    expect(first.code, first.stderr).toBe(0);
    const [file, ...others] = cached(folder);
    expect(others).toEqual([]);
    expect(file).toMatch(/^cli-program\.cjs-.*\.cache$/);
    const written = statSync(join(folder, file as string)).mtimeMs;
    const second = lom(["--version"], cwd, { NODE_COMPILE_CACHE: join(cwd, "compile-cache") });
    expect(second.stdout).toBe(first.stdout);
    // Taken, not written again: a cache V8 refused would be replaced.
    expect(statSync(join(folder, file as string)).mtimeMs).toBe(written);
  });

  it("writes nothing with NODE_DISABLE_COMPILE_CACHE=1", () => {
    const cwd = tempDir();
    const run = lom(["--version"], cwd, {
      NODE_COMPILE_CACHE: join(cwd, "compile-cache"),
      NODE_DISABLE_COMPILE_CACHE: "1",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(cwd, "compile-cache"))).toBe(false);
  });

  it("keeps a cache of lom start's own once it is ready", async () => {
    const cwd = tempDir();
    const folder = join(cwd, "compile-cache", "lom");
    const port = await freePort();
    const running = await startLom(["--listen", `127.0.0.1:${port}`], cwd, port, {
      NODE_COMPILE_CACHE: join(cwd, "compile-cache"),
    });
    expect(await running.stop()).toBe(0);
    expect(cached(folder).map((name) => name.split("-")[0])).toEqual(["start"]);
  });
});
