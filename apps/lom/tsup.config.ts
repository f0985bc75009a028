import { preset } from "../../tooling/tsup.preset";

/**
 * An app, not a library: `dist/cli.js` with a shebang (a small entry: see src/cli.ts), no type declarations, and everything it
 * imports bundled in. Node resolved and read 1,175 JavaScript files to run `lom start` (684 of
 * them typebox's ES modules), which cost a third of a `lom start` with 1,000 manifests and most of a
 * `lom --version` (see README.md, "One file"). Splitting keeps what only some stores need (the
 * PostgreSQL client, imported when a config names one) in chunks loaded on demand.
 */
export default preset({
  entry: ["src/cli.ts"],
  dts: false,
  noExternal: [/./],
  // No source maps: with every dependency's sources in them they were 10 MB of the 15 MB
  // unpacked, and the bundle is not minified, so a stack trace already names readable code.
  sourcemap: false,
  // pg's optional native binding: loaded by pg only when asked for, and not a dependency of ours.
  external: ["pg-native"],
  banner: {
    // The bundled CommonJS packages (fastify, pino, pg...) call `require` for Node's own modules,
    // which an ES module does not have: give them one.
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __lomCreateRequire } from "node:module";',
      "const require = __lomCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});
