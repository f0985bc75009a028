// The baseline of case 6: a Node process that reads every manifest of a folder and parses it,
// the least any registry must do before it can serve them. Usage: read-manifests.mjs FOLDER
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const folder = process.argv[2];
if (!folder) throw new Error("usage: read-manifests.mjs FOLDER");
let count = 0;
for (const name of readdirSync(folder)) {
  if (!name.endsWith(".json")) continue;
  JSON.parse(readFileSync(join(folder, name), "utf8"));
  count += 1;
}
if (count === 0) throw new Error(`no manifest in ${folder}`);
