import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module (run by node as it is), without declarations.
import { entryReport, packageReport, publishedEntries, reportPath } from "./api-report.mjs";

type Pkg = { name: string; folder: string; entries: { subpath: string; dts: string }[] };
const packages = publishedEntries() as Pkg[];

describe("every published package's API report matches its build (STYLE.md 13)", () => {
  it("finds the published packages and their typed entry points", () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(["@rune/mrs-core", "@rune/mrs-adapter-http"]));
    for (const pkg of packages) expect(pkg.entries.length, pkg.name).toBeGreaterThan(0);
  });

  for (const pkg of packages) {
    it(`${pkg.name}: packages/${pkg.folder}/api.md is up to date (node tooling/repo-checks/src/api-report.mjs --write)`, () => {
      expect(readFileSync(reportPath(pkg), "utf8")).toBe(packageReport(pkg));
    });
  }

  it("a report names every export with its declaration", () => {
    const core = packages.find((p) => p.name === "@rune/mrs-core") as Pkg;
    const report = entryReport((core.entries[0] as { dts: string }).dts) as string;
    expect(report).toContain("// createRegistry\ndeclare function createRegistry(options: RegistryOptions): Registry;");
    expect(report).toMatch(/\/\/ RegistryStore\ninterface RegistryStore \{/);
    expect(report).not.toContain("// CatalogIndex");
  });
});
