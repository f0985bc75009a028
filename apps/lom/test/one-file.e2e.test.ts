// dist/cli.js is one bundled program (tsup.config.ts): copied away from every node_modules
// folder, with only its package.json, dashboard and examples beside it, it still validates,
// compares and serves. A dependency left out of the bundle (imported at run time) fails here,
// where the tests in the repository would find it in node_modules.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, LOM, type RunningLom, tempDir, whenReady, writeConfig } from "./harness.js";

const APP = dirname(dirname(LOM));
const EXAMPLE = fileURLToPath(new URL("../../../packages/schema/examples/restart-nomad.json", import.meta.url));

/** A copy of the app as `npm pack` would ship it, in a folder with no node_modules above it. */
function copyApp(): { root: string; cli: string } {
  const root = tempDir("lom-one-file-");
  for (const part of ["dist", "dashboard", "examples", "package.json"]) {
    cpSync(join(APP, part), join(root, "app", part), { recursive: true });
  }
  return { root, cli: join(root, "app", "dist", "cli.js") };
}

/** Whether some folder from `dir` up holds a node_modules (then this test could not tell). */
function nodeModulesAbove(dir: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, "node_modules"))) return true;
    if (dirname(at) === at) return false;
  }
}

describe("dist/cli.js carries its dependencies", () => {
  const { root, cli } = copyApp();
  const run = (args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });

  it("is copied where no node_modules folder can serve it", () => {
    expect(nodeModulesAbove(root)).toBe(false);
  });

  it("prints its version and validates and compares manifests", () => {
    const version = (JSON.parse(readFileSync(join(APP, "package.json"), "utf8")) as { version: string }).version;
    expect(run(["--version"]).stdout.trim()).toBe(version);
    const example = join(root, "restart-nomad.json");
    cpSync(EXAMPLE, example);
    const validated = run(["validate", example, "--json"]);
    expect(validated.status, validated.stderr).toBe(0);
    // A new required input property under a minor bump: an undeclared breaking change
    // (RULES.md C1, C2), exit code 1, with the difference in the JSON report.
    const payload = JSON.parse(readFileSync(example, "utf8"));
    payload.registration_metadata.module_version = "1.1.0";
    const input = payload.capabilities[0].input_schema;
    input.properties = { ...input.properties, region: { type: "string" } };
    input.required = [...(input.required ?? []), "region"];
    const next = join(root, "next.json");
    writeFileSync(next, JSON.stringify(payload));
    const compared = run(["diff", example, next, "--json"]);
    expect(compared.status, compared.stderr).toBe(1);
    expect(compared.stdout).toContain("region");
  });

  describe("serves", () => {
    let lom: RunningLom;
    beforeAll(async () => {
      cpSync(EXAMPLE, join(root, "modules", "restart-nomad.json"));
      writeConfig(root, { sources: [{ folder: "modules" }], store: "file:state/catalog.json" });
      const port = await freePort();
      const child = spawn(process.execPath, [cli, "start", "--listen", `127.0.0.1:${port}`], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1" },
      });
      lom = await whenReady(child, port);
    });
    afterAll(async () => {
      expect(await lom?.stop()).toBe(0);
    });

    it("the API, its OpenAPI document and the dashboard", async () => {
      const modules = await fetch(`${lom.url}/v1/modules`).then((r) => r.json());
      expect(JSON.stringify(modules)).toContain("restart-nomad");
      expect((await fetch(`${lom.url}/openapi.json`)).status).toBe(200);
      expect(await fetch(`${lom.url}/`).then((r) => r.text())).toContain("<html");
    });
  });
});
