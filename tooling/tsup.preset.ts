import { defineConfig, type Options } from "tsup";

/**
 * The one build preset: ESM + CommonJS + .d.ts for both, from `src/index.ts`.
 * A package passes only what differs (extra entries, a banner for a bin).
 */
export function preset(overrides: Options = {}) {
  return defineConfig({
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: false,
    treeshake: true,
    ...overrides,
  });
}
