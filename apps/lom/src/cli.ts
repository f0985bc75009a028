import { main } from "./program.js";

// Exit once stdout is flushed: keep-alive sockets or timers must not hold a finished command open.
main(process.argv.slice(2)).then((code) => {
  process.stdout.write("", () => process.exit(code));
});
