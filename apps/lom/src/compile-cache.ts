import { isAscii } from "node:buffer";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";
import { crc32 } from "node:zlib";

/**
 * Loading the bundled program with V8's code cache (README.md, "Compile cache").
 *
 * Parsing and compiling a 5 MB bundle is most of what starting `lom` costs. V8 can hand back the
 * code it compiled for a script (`createCachedData`) and take it again at the next start, so
 * that what was compiled once is not compiled again. Node 22's `module.enableCompileCache()`
 * does this for modules, but keeps the code as it stands right after the parse, before the
 * program runs, and Node 20 has none. This keeps it once the command has done its work (at
 * `ready` for `lom start`), so the cache holds every function the command compiled: measured on
 * `lom start` with 1,000 manifests, 347-348 ms with a cache taken after the run against 386-434 ms
 * with one taken before it (README.md).
 *
 * The cache is an optimization only: anything wrong with it (missing, from another build or
 * another Node, unreadable, not ours) means compiling as if there were none, and failing to
 * write it is never an error.
 */

/** Where the cache lives and whether to use it, from the environment Node's own cache reads. */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string | null {
  // Node's own switches, so that one setting governs both caches.
  if (env.NODE_DISABLE_COMPILE_CACHE === "1") return null;
  if (env.NODE_COMPILE_CACHE) return join(env.NODE_COMPILE_CACHE, "lom");
  // One folder per user: compiled code is code, and another user's must never be run.
  return join(tmpdir(), `lom-compile-cache-${process.getuid?.() ?? "user"}`);
}

/** A CommonJS program run from its file, and the cache kept for it. */
export interface CachedProgram {
  /** What the program's `module.exports` holds. */
  readonly exports: unknown;
  /** Whether V8 took compiled code from the cache. */
  readonly fromCache: boolean;
  /**
   * Keeps the code compiled so far, unless the cache already held this program's: once, at the
   * first call. Call it when the command has done the work it starts with.
   */
  save(): void;
}

/**
 * Runs the CommonJS file `file` as Node's `require` would, with V8's code cache from `folder`
 * (`null`: none). `name` tells apart the caches of one program's different uses (a command),
 * since each compiles its own functions.
 */
export function runCached(file: string, name: string, folder: string | null): CachedProgram {
  const bytes = readFileSync(file);
  // An ASCII bundle (esbuild escapes the rest) reads faster as Latin-1, to the same string.
  const source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  // V8 checks a cache against the source's length only: the name carries its checksum, so that a
  // rebuilt program never runs another build's code.
  const cacheFile =
    folder === null
      ? null
      : join(
          folder,
          `${name}-${basename(file)}-${bytes.length}-${(crc32(bytes) >>> 0).toString(16)}-v8-${process.versions.v8}-${process.arch}.cache`,
        );
  const cached = cacheFile === null ? undefined : readOwnCache(cacheFile);
  const script = new Script(wrap(source), { filename: file, cachedData: cached });
  const fromCache = cached !== undefined && !script.cachedDataRejected;

  const module = { exports: {} as unknown, filename: file, id: file };
  const compiled = script.runInThisContext() as (...args: unknown[]) => void;
  compiled.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));

  let saved = fromCache;
  return {
    exports: module.exports,
    fromCache,
    save() {
      if (saved || cacheFile === null) return;
      saved = true;
      writeCache(cacheFile, script.createCachedData());
    },
  };
}

/** Node's CommonJS wrapper, on the first line so that line numbers in stack traces stay true. */
function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}

/** The cache file's bytes, if it is there and its folder is this user's alone. */
function readOwnCache(file: string): Buffer | undefined {
  try {
    const folder = statSync(dirname(file));
    const uid = process.getuid?.();
    // Written by someone else, or writable by others: not code to run.
    if (uid !== undefined && (folder.uid !== uid || (folder.mode & 0o022) !== 0)) return undefined;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the cache whole or not at all (a temporary file renamed), never failing the program. */
function writeCache(file: string, data: Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Left for nobody: a temporary file in a folder we could not write to.
    }
  }
}
