// Preloaded (`node --import`) into every process that case 6 starts: on exit, writes the
// process's peak resident set size (KiB) and CPU time (µs, user + system), from getrusage, to
// $BENCH_USAGE_FILE as JSON. The same measure for lom and for its baselines on any machine
// (GNU time is not everywhere, and it would need the grandchild's pid to stop lom).
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRSS: usage.maxRSS, cpu: usage.userCPUTime + usage.systemCPUTime }));
  });
}
