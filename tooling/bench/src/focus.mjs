// One operation in a loop, for `node --cpu-prof src/focus.mjs SCENARIO`: the profiles behind the
// notes in BENCHMARKS.md. Runs for about 6 s, then prints its rate.
//
//   validate [EXAMPLE]   validateRegistration of one shipped example (default s3-log-sink)
//   compile              compileSchema of new content each call (s3-log-sink's ship-logs input)
//   register [MODULES]   registry.register of new modules on a memory store holding MODULES (1,000)
//   session [MODULES]    createRegistry(memoryStore, memorySource of MODULES modules).start() (2,000)
import { memorySource, memoryStore } from "@rune/mrs-adapter-memory";
import { compileSchema, createRegistry, validateRegistration } from "@rune/mrs-core";
import { examples, modulePayload } from "./fixtures.mjs";

const [scenario = "validate", argument] = process.argv.slice(2);
const SECONDS = 6;

/** Calls `step` until SECONDS have passed; prints the rate. */
async function loop(/** @type {(i: number) => unknown} */ step) {
  const start = performance.now();
  let done = 0;
  while (performance.now() - start < SECONDS * 1000) await step(done++);
  console.log(`${scenario}: ${Math.round(done / SECONDS)}/s`);
}

if (scenario === "validate") {
  const example = examples().find((e) => e.name === (argument ?? "s3-log-sink"));
  if (!example) throw new Error(`no example ${argument}`);
  validateRegistration(example.value); // compiles and caches what a second call finds
  await loop(() => validateRegistration(example.value));
} else if (scenario === "compile") {
  const s3 = /** @type {{ value: any }} */ (examples().find((e) => e.name === "s3-log-sink"));
  const schema = s3.value.capabilities[0].input_schema;
  await loop((i) => compileSchema({ ...schema, title: `focus ${i}` }));
} else if (scenario === "register") {
  const modules = Number(argument ?? 1000);
  const entries = Array.from({ length: modules }, (_, i) => ({
    name: `m${i}`,
    payload: modulePayload(i, { capabilities: 1 }),
  }));
  const registry = createRegistry({ store: memoryStore(), sources: [memorySource(entries)] });
  await registry.start();
  await loop(async (i) => {
    const result = await registry.register({ payload: modulePayload(modules + i, { capabilities: 1 }) }, "focus");
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
  });
  await registry.close();
} else if (scenario === "session") {
  const modules = Number(argument ?? 2000);
  const entries = Array.from({ length: modules }, (_, i) => ({ name: `m${i}`, payload: modulePayload(i) }));
  for (const { payload } of entries) validateRegistration(payload); // as case 2's warm-up round
  await loop(async () => {
    const registry = createRegistry({ store: memoryStore(), sources: [memorySource(entries)] });
    await registry.start();
    await registry.close();
  });
} else {
  throw new Error(`unknown scenario ${scenario}: validate, compile, register or session`);
}
