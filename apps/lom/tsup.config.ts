import { readFile, writeFile } from "node:fs/promises";
import { preset } from "../../tooling/tsup.preset";

/**
 * An app, not a library: no type declarations, and everything it imports bundled in. Node
 * resolved and read 1,175 JavaScript files to run `lom start` (684 of them typebox's ES modules),
 * which cost a third of a `lom start` with 1,000 manifests and most of a `lom --version` (see
 * README.md, "One file").
 *
 * Two files: `dist/cli.js`, the small ES module the `lom` bin runs (src/cli.ts), and
 * `dist/program.cjs`, the whole program in one CommonJS file, which the entry runs with V8's
 * code cache (src/compile-cache.ts; Node caches no code for an ES module it imports on Node 20).
 */
export default [
  preset({
    entry: { cli: "src/cli.ts" },
    dts: false,
    sourcemap: false,
    banner: { js: "#!/usr/bin/env node" },
    // The entry imports Node's modules only; the program is the other file, read at run time.
    external: ["./program.js"],
    // The two builds run at once in dist/: each clears everything but the other's file.
    clean: ["!program.cjs"],
  }),
  preset({
    entry: { program: "src/program.ts" },
    format: ["cjs"],
    outExtension: () => ({ js: ".cjs" }),
    dts: false,
    // One file: a CommonJS build has no chunks, so the PostgreSQL client (imported when a config
    // names one) is in it too, evaluated only when imported.
    splitting: false,
    noExternal: [/./],
    // pg's optional native binding: loaded by pg only when asked for, and not a dependency of ours.
    external: ["pg-native"],
    // `import.meta.url` (the app finds its package.json, examples and dashboard beside it).
    shims: true,
    // No source maps: with every dependency's sources in them they were 10 MB of the 15 MB
    // unpacked, and the bundle is not minified, so a stack trace already names readable code.
    sourcemap: false,
    clean: ["!cli.js"],
    // ASCII only: the entry reads an ASCII file as Latin-1, three times faster than decoding
    // UTF-8 (1.8 ms against 5.7 ms for this file). esbuild escapes what is not ASCII in the code;
    // what is left is in dependencies' comments, written out as \u escapes.
    esbuildOptions(options) {
      options.charset = "ascii";
    },
    async onSuccess() {
      const file = new URL("./dist/program.cjs", import.meta.url);
      const text = await readFile(file, "utf8");
      const escaped = text.replace(/[^\0-\x7f]/gu, (char) => `\\u{${char.codePointAt(0)?.toString(16)}}`);
      if (escaped !== text) await writeFile(file, escaped);
    },
  }),
];
