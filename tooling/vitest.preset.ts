import { defineConfig } from "vitest/config";

/**
 * The one test preset. Every package writes a JSON report beside itself so that
 * `.ci/run` can count passed, failed, skipped and to-do tests across the repo.
 */
export function preset(overrides: { testTimeout?: number; include?: string[] } = {}) {
  return defineConfig({
    test: {
      include: overrides.include ?? ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 60_000,
      reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
      typecheck: { enabled: true, include: ["src/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    },
  });
}
