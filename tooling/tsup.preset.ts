import { defineConfig, type Options } from "tsup";

/**
 * The one build preset: ES modules + .d.ts, from `src/index.ts`. No CommonJS build: a program
 * that loaded both formats would hold two instances of a package (two `MrsFailure` classes, two
 * caches of compiled schemas); `require()` of these ES modules works from Node 20.19 (our
 * engines), so CommonJS callers get the one ESM instance (README.md, "ES modules only").
 * Entries share their modules through chunks (`splitting`), so even two entries of one package
 * hold one copy of what they have in common. A package passes only what differs (extra entries,
 * a banner for a bin).
 */
export function preset(overrides: Options = {}) {
  return defineConfig({
    entry: ["src/index.ts"],
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: true,
    treeshake: true,
    ...overrides,
  });
}
