import { fileURLToPath } from "node:url";
import { cacheFolder, runCached } from "./compile-cache.js";
import type * as Program from "./program.js";

// The program is a CommonJS bundle of its own (tsup.config.ts), run with V8's code cache:
// compiling it is most of what starting `lom` costs (README.md, "Compile cache"). `lom start`
// compiles far more than the short commands, so it keeps a cache of its own.
const argv = process.argv.slice(2);
const program = runCached(
  fileURLToPath(new URL("./program.cjs", import.meta.url)),
  argv[0] === "start" ? "start" : "cli",
  cacheFolder(),
);
const { main } = program.exports as typeof Program;

// Exit once stdout is flushed: keep-alive sockets or timers must not hold a finished command open.
main(argv, { started: () => setImmediate(() => program.save()) }).then((code) => {
  program.save();
  process.stdout.write("", () => process.exit(code));
});
