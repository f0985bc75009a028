// Writes dist/registration.schema.json from the built package, so that the file shipped for
// validators in other languages is exactly the `registrationJsonSchema` the TypeBox source builds.
// Run by `build` after tsup; the snapshot test in src/json-schema.test.ts guards changes to it.
import { writeFile } from "node:fs/promises";
import { registrationJsonSchema } from "../dist/index.js";

const target = new URL("../dist/registration.schema.json", import.meta.url);
await writeFile(target, `${JSON.stringify(registrationJsonSchema, null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
