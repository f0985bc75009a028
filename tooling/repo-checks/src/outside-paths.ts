import { dirname, isAbsolute, relative, resolve } from "node:path";

/** A tracked file's path (relative to the repository root) and its text. */
export interface RepoFile {
  readonly path: string;
  readonly text: string;
}

/** One place where a file reaches above the repository root. */
export interface OutsidePath {
  readonly file: string;
  readonly line: number;
  readonly found: string;
}

// Built from parts so that this file does not name the folder it guards against.
const SHARED = `${".."}/shared`;
/** A relative path that climbs: `../x`, `../../x/y.md`. */
const CLIMBING = /(?:\.\.\/)+[\w@.-]+(?:\/[\w@.-]+)*/g;
/** Files whose relative paths are not relative to the file itself (the lockfile's `link:` entries are relative to each importer). */
const NOT_FILE_RELATIVE = new Set(["pnpm-lock.yaml"]);
/** Markdown link targets: only these are paths in a page's prose. */
const MARKDOWN_LINK = /\]\(([^)\s]+)\)/g;

/**
 * Every place in `files` that names the design folder laid beside a checkout, or a relative
 * path that, resolved from the file's own folder, lands outside the repository root. In Markdown
 * only link targets are paths; in every other file any climbing path is one.
 */
export function findOutsidePaths(files: readonly RepoFile[]): OutsidePath[] {
  const root = resolve("/repo");
  const found: OutsidePath[] = [];
  for (const file of files) {
    const folder = dirname(resolve(root, file.path));
    const lines = file.text.split("\n");
    lines.forEach((text, index) => {
      const hits = new Set<string>();
      if (text.includes(SHARED)) hits.add(SHARED);
      const candidates = NOT_FILE_RELATIVE.has(file.path)
        ? []
        : file.path.endsWith(".md")
          ? [...text.matchAll(MARKDOWN_LINK)].map((m) => m[1] ?? "").filter((target) => target.startsWith("../"))
          : [...text.matchAll(CLIMBING)].map((m) => m[0]);
      for (const candidate of candidates) {
        const landed = relative(root, resolve(folder, candidate));
        if (landed.startsWith("..") || isAbsolute(landed)) hits.add(candidate);
      }
      for (const hit of hits) found.push({ file: file.path, line: index + 1, found: hit });
    });
  }
  return found;
}
