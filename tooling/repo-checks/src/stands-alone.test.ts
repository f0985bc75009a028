import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findOutsidePaths, type RepoFile } from "./outside-paths.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const UP = `${".."}/`;
const SHARED = `${UP}shared`;

/** Tracked text files, except `.ci/` (which may run an optional extra from beside the clone). */
function trackedFiles(): RepoFile[] {
  const paths = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  return paths
    .filter((path) => !path.startsWith(".ci/"))
    .map((path) => ({ path, text: readFileSync(`${ROOT}${path}`, "utf8") }))
    .filter((file) => !file.text.includes("\0"));
}

describe("the repository stands alone", () => {
  it("no tracked file outside .ci/ names the folder beside the clone or a path above the root", () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(findOutsidePaths(files)).toEqual([]);
  });

  it("the guard finds the folder beside the clone, wherever it is named", () => {
    const found = findOutsidePaths([
      { path: "README.md", text: `See \`${SHARED}/design/RULES.md\`.` },
      { path: "tooling/scripts/x.sh", text: `node ${SHARED}/tools/contract/smoke.mjs .` },
    ]);
    expect(found).toEqual([
      { file: "README.md", line: 1, found: SHARED },
      { file: "tooling/scripts/x.sh", line: 1, found: SHARED },
    ]);
  });

  it("the guard finds a relative path that climbs out of the root, and lets one that stays in pass", () => {
    const found = findOutsidePaths([
      { path: "packages/core/src/a.test.ts", text: `new URL("${UP.repeat(4)}data/suite/", import.meta.url);` },
      { path: "packages/core/src/b.test.ts", text: `new URL("${UP.repeat(3)}docs/RULES.md", import.meta.url);` },
      { path: "packages/core/README.md", text: `[up](${UP.repeat(3)}other/README.md) and [in](${UP}schema/README.md)` },
      { path: "apps/lom/tsconfig.json", text: `{ "extends": "${UP.repeat(2)}tooling/tsconfig/base.json" }` },
    ]);
    expect(found).toEqual([
      { file: "packages/core/src/a.test.ts", line: 1, found: `${UP.repeat(4)}data/suite` },
      { file: "packages/core/README.md", line: 1, found: `${UP.repeat(3)}other/README.md` },
    ]);
  });
});
