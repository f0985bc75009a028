import module from "node:module";

// Node 22.1 and later keep V8's compiled code of the program on disk, in the system's temporary
// folder (or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), as TypeScript's tsc
// does: parsing the bundle is most of what starting `lom` costs. Node 20 has no such cache. Only
// what is imported after this call is cached, hence the program in a module of its own.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import("./program.js");

// Exit once stdout is flushed: keep-alive sockets or timers must not hold a finished command open.
main(process.argv.slice(2)).then((code) => {
  process.stdout.write("", () => process.exit(code));
});
