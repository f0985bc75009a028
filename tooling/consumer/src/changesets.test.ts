import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { PUBLISHED, ROOT } from "./pack.js";

const manifest = (dir: string, folder: string) => JSON.parse(readFileSync(join(dir, folder, "package.json"), "utf8"));

describe("releases with changesets", () => {
  it("`changeset version` on a scratch copy bumps the changed package and the internal ranges of its dependents", () => {
    const scratch = mkdtempSync(join(tmpdir(), "rune-changesets-"));
    const copy = (path: string) => {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      cpSync(join(ROOT, path), join(scratch, path));
    };
    for (const path of [
      "package.json",
      "pnpm-workspace.yaml",
      ".changeset/config.json",
      "apps/lom/package.json",
      "tooling/consumer/package.json",
    ]) {
      copy(path);
    }
    for (const p of PUBLISHED) copy(`packages/${p.folder}/package.json`);
    const before = Object.fromEntries(PUBLISHED.map((p) => [p.folder, manifest(scratch, `packages/${p.folder}`)]));
    writeFileSync(join(scratch, ".changeset/bump-core.md"), '---\n"@rune/mrs-core": minor\n---\n\nA scratch change.\n');
    execFileSync(process.execPath, [join(ROOT, "node_modules/@changesets/cli/bin.js"), "version"], {
      cwd: scratch,
      stdio: "pipe",
    });

    const core = manifest(scratch, "packages/core");
    const [major, minor] = String(before.core.version).split(".").map(Number);
    expect(core.version).toBe(`${major}.${(minor ?? 0) + 1}.0`);
    expect(readFileSync(join(scratch, "packages/core/CHANGELOG.md"), "utf8")).toContain("A scratch change.");
    // Core is a peer of the adapters (one core per install), its range covering every 0.x core:
    // a core minor stays in range, so an adapter is not pushed to a major (changesets would do
    // that for a peer out of range; .changeset/config.json asks it not to otherwise).
    const memory = manifest(scratch, "packages/adapter-memory");
    expect(memory.peerDependencies["@rune/mrs-core"]).toBe("workspace:>=0.1.0 <1.0.0");
    expect(String(memory.version).split(".")[0]).toBe(String(before["adapter-memory"].version).split(".")[0]);
    // The schema package does not depend on core: untouched. The app, published too, depends on
    // core: released with it (a patch), its range still the workspace protocol.
    expect(manifest(scratch, "packages/schema").version).toBe(before.schema.version);
    const app = manifest(scratch, "apps/lom");
    const appBefore = JSON.parse(readFileSync(join(ROOT, "apps/lom/package.json"), "utf8"));
    const [appMajor, appMinor, appPatch] = String(appBefore.version).split(".").map(Number);
    expect(app.version).toBe(`${appMajor}.${appMinor}.${(appPatch ?? 0) + 1}`);
    expect(app.dependencies["@rune/mrs-core"]).toBe("workspace:^");
  });
});
