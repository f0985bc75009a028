// The public surface of each published package, written down (STYLE.md 13: an API report per
// package, as api-extractor's `*.api.md`): every name an entry point exports, with its declared
// signature, read from the built `.d.ts` with the TypeScript compiler the repository already
// uses. `node tooling/repo-checks/src/api-report.mjs --write` rewrites `packages/*/api.md`; the
// test beside it fails when a committed report differs from the build, so a changed signature
// shows in review beside its changeset.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The published packages under packages/, with the `.d.ts` of each entry point that has types. */
export function publishedEntries() {
  const found = [];
  for (const folder of readdirSync(join(ROOT, "packages")).sort()) {
    const manifest = JSON.parse(readFileSync(join(ROOT, "packages", folder, "package.json"), "utf8"));
    if (manifest.private) continue;
    const entries = [];
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const types = typeof target === "object" ? (target.import?.types ?? target.types) : undefined;
      if (typeof types === "string") entries.push({ subpath, dts: join(ROOT, "packages", folder, types) });
    }
    found.push({ name: manifest.name, folder, entries });
  }
  return found;
}

/** One entry point's exports, sorted by name, each with its declaration as the `.d.ts` states it. */
export function entryReport(dts) {
  const program = ts.createProgram([dts], { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dts);
  if (source === undefined) throw new Error(`${dts} does not exist: build the package first`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const lines = [];
  const exported = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  for (const symbol of [...exported].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    for (const declaration of target.declarations ?? []) {
      const node = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
      const text = printer.printNode(ts.EmitHint.Unspecified, node, declaration.getSourceFile());
      const renamed = target.name !== symbol.name ? ` (exported as ${symbol.name})` : "";
      lines.push(`// ${symbol.name}${renamed}`, text.replace(/^export (declare )?/gm, "").trim(), "");
    }
  }
  return lines.join("\n");
}

/** The whole report of one package, as `packages/NAME/api.md` holds it. */
export function packageReport(pkg) {
  const parts = [
    `# API report: ${pkg.name}`,
    "",
    "Generated from the built declarations by `node tooling/repo-checks/src/api-report.mjs --write`;",
    "checked by `tooling/repo-checks`. A change here is a change to the package's public surface:",
    "it needs a changeset.",
    "",
  ];
  for (const entry of pkg.entries) {
    parts.push(`## \`${entry.subpath === "." ? pkg.name : `${pkg.name}/${entry.subpath.slice(2)}`}\``, "", "```ts");
    parts.push(entryReport(entry.dts).trimEnd(), "```", "");
  }
  return parts.join("\n");
}

export const reportPath = (pkg) => join(ROOT, "packages", pkg.folder, "api.md");

if (process.argv.includes("--write")) {
  for (const pkg of publishedEntries()) {
    writeFileSync(reportPath(pkg), packageReport(pkg));
    console.log(`wrote ${reportPath(pkg)}`);
  }
}
