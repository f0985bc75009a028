import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root. */
export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Every published package: folder under `packages/` and name. */
export const PUBLISHED = readdirSync(join(ROOT, "packages"))
  .map((folder) => ({ folder, dir: join(ROOT, "packages", folder) }))
  .map((p) => ({ ...p, manifest: JSON.parse(readFileSync(join(p.dir, "package.json"), "utf8")) }))
  .filter((p) => p.manifest.private !== true)
  .map((p) => ({ folder: p.folder, dir: p.dir, name: p.manifest.name as string }));

/**
 * The `lom` app (`apps/lom`), published as `@rune/lom`: packed and installed like the packages,
 * and run from its installed bin.
 */
export const APP = (() => {
  const dir = join(ROOT, "apps", "lom");
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return { folder: "apps/lom", dir, name: manifest.name as string, private: manifest.private === true };
})();

/** Packs a package with pnpm (which turns `workspace:^` into real ranges) and returns the tarball path. */
export function pack(dir: string, destination: string): string {
  const out = execFileSync("pnpm", ["pack", "--pack-destination", destination], { cwd: dir, encoding: "utf8" });
  const line = out
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.endsWith(".tgz"));
  if (!line) throw new Error(`pnpm pack printed no tarball: ${out}`);
  return line.startsWith("/") ? line : join(destination, line);
}

/** A fresh project outside the workspace with the tarballs installed by npm (no workspace links). */
export function consumerProject(dir: string, tarballs: readonly string[], extra: readonly string[] = []): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs, ...extra], {
    cwd: dir,
    stdio: "pipe",
    encoding: "utf8",
  });
  return dir;
}

/** Runs a file with node in a folder; returns the exit status and output. */
export function run(command: string, args: readonly string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A copy of a package's publishable files with a changed manifest, to show the checks can fail. */
export function alteredCopy(
  dir: string,
  destination: string,
  alter: (manifest: Record<string, unknown>) => void,
): string {
  mkdirSync(destination, { recursive: true });
  for (const entry of ["dist", "README.md"]) cpSync(join(dir, entry), join(destination, entry), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  alter(manifest);
  // npm cannot pack `workspace:` ranges; the copy is installed alone, so its dependencies go.
  manifest.dependencies = Object.fromEntries(
    Object.entries(manifest.dependencies ?? {}).filter(([, range]) => !String(range).startsWith("workspace:")),
  );
  writeFileSync(join(destination, "package.json"), JSON.stringify(manifest, null, 2));
  return destination;
}
