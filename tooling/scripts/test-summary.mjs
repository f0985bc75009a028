// Sums every package's vitest JSON report into one line: `tests: N passed, N failed`.
// A skipped or to-do test counts as failed: a test that does not run proves nothing.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
let reports = 0;
for (const group of ["packages", "apps", "tooling"]) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, ".vitest-report.json");
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, "utf8"));
    reports += 1;
    passed += report.numPassedTests ?? 0;
    failed += (report.numFailedTests ?? 0) + (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    if ((report.numPendingTests ?? 0) + (report.numTodoTests ?? 0) > 0) {
      console.error(`${group}/${name}: skipped or to-do tests count as failures`);
    }
  }
}
if (reports === 0 || passed === 0) failed += 1;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
