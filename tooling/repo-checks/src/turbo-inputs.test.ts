import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface DryRun {
  readonly globalCacheInputs: { readonly files: Record<string, string> };
  readonly tasks: readonly {
    readonly taskId: string;
    readonly task: string;
    readonly inputs: Record<string, string>;
  }[];
}

/** What turbo would hash for `tasks` of `@rune/mrs-core`, without running anything. */
function dryRun(): DryRun {
  const out = execFileSync("pnpm", ["exec", "turbo", "run", "build", "test", "--dry=json", "--filter=@rune/mrs-core"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as DryRun;
}

describe("turbo's cache keys see what the tasks read from outside their package", () => {
  const run = dryRun();

  it("every shared preset under tooling/ (tsup, vitest, tsconfig) is a global input: a change to one is never served stale", () => {
    const presets = [
      "tooling/tsup.preset.ts",
      "tooling/vitest.preset.ts",
      "tsconfig.base.json",
      ...readdirSync(`${ROOT}tooling/tsconfig`).map((file) => `tooling/tsconfig/${file}`),
    ];
    expect(Object.keys(run.globalCacheInputs.files)).toEqual(expect.arrayContaining(presets));
  });

  it("the tests hash docs/ (core's error registry is checked against docs/RULES.md)", () => {
    const test = run.tasks.find((task) => task.taskId === "@rune/mrs-core#test");
    expect(Object.keys(test?.inputs ?? {})).toEqual(expect.arrayContaining(["../../docs/RULES.md"]));
  });
});
