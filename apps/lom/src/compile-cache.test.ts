import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cacheFolder, runCached } from "./compile-cache.js";

const made: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lom-compile-cache-test-"));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A CommonJS program with enough functions that V8 has code worth keeping, in a folder of its own
 * each time: V8 also keeps compiled scripts in memory, by source and file name, and would answer
 * from there the second time a test ran one file, whatever the cache on disk holds.
 */
function writeProgram(root: string, value: number): string {
  const dir = mkdtempSync(join(root, "build-"));
  const file = join(dir, "program.cjs");
  const body = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join("\n");
  writeFileSync(
    file,
    `${body}\nconst helper = require("./helper.cjs");\nmodule.exports = { value: ${value}, sum: f1(f2(0)), helper, file: __filename, fail() { throw new Error("here"); } };\n`,
  );
  writeFileSync(join(dir, "helper.cjs"), 'module.exports = "helped";\n');
  return file;
}

interface Exports {
  value: number;
  sum: number;
  helper: string;
  file: string;
  fail(): never;
}

describe("runCached", () => {
  it("runs a CommonJS file as require would: its exports, its require, its __filename", () => {
    const dir = tempDir();
    const file = writeProgram(dir, 7);
    const run = runCached(file, "test", null);
    const exports = run.exports as Exports;
    expect(exports).toMatchObject({ value: 7, sum: 3, helper: "helped", file });
    expect(run.fromCache).toBe(false);
  });

  it("keeps V8's code once saved, and the next run takes it", () => {
    const dir = tempDir();
    const folder = join(dir, "cache");
    const first = runCached(writeProgram(dir, 1), "test", folder);
    expect(first.fromCache).toBe(false);
    first.save();
    first.save();
    expect(readdirSync(folder)).toHaveLength(1);
    const second = runCached(writeProgram(dir, 1), "test", folder);
    expect(second.fromCache).toBe(true);
    expect((second.exports as Exports).value).toBe(1);
  });

  it("keeps one cache per name: each use compiles its own functions", () => {
    const dir = tempDir();
    const folder = join(dir, "cache");
    runCached(writeProgram(dir, 1), "start", folder).save();
    runCached(writeProgram(dir, 1), "cli", folder).save();
    expect(
      readdirSync(folder)
        .sort()
        .map((name) => name.split("-")[0]),
    ).toEqual(["cli", "start"]);
  });

  it("never runs another build's code: a rebuilt program of the same length misses the cache", () => {
    // V8 checks a cache against the source's length alone; the file name carries a checksum.
    const dir = tempDir();
    const folder = join(dir, "cache");
    const built = writeProgram(dir, 1);
    runCached(built, "test", folder).save();
    const rebuilt = writeProgram(dir, 2);
    expect(readFileSync(rebuilt).length).toBe(readFileSync(built).length);
    const run = runCached(rebuilt, "test", folder);
    expect(run.fromCache).toBe(false);
    expect((run.exports as Exports).value).toBe(2);
  });

  it("compiles anew over a damaged cache, and saves a good one in its place", () => {
    const dir = tempDir();
    const folder = join(dir, "cache");
    runCached(writeProgram(dir, 3), "test", folder).save();
    const [name] = readdirSync(folder);
    writeFileSync(join(folder, name as string), "not V8's code");
    const damaged = runCached(writeProgram(dir, 3), "test", folder);
    expect(damaged.fromCache).toBe(false);
    expect((damaged.exports as Exports).value).toBe(3);
    damaged.save();
    expect(runCached(writeProgram(dir, 3), "test", folder).fromCache).toBe(true);
  });

  it.runIf(typeof process.getuid === "function")("reads no cache from a folder others may write to", () => {
    const dir = tempDir();
    const folder = join(dir, "cache");
    runCached(writeProgram(dir, 4), "test", folder).save();
    chmodSync(folder, 0o777);
    expect(runCached(writeProgram(dir, 4), "test", folder).fromCache).toBe(false);
    chmodSync(folder, 0o700);
    expect(runCached(writeProgram(dir, 4), "test", folder).fromCache).toBe(true);
  });

  it("never fails the program when the cache cannot be written", () => {
    const dir = tempDir();
    // A file where the folder should be: mkdir fails.
    const folder = join(dir, "taken");
    writeFileSync(folder, "");
    const run = runCached(writeProgram(dir, 5), "test", folder);
    expect(() => run.save()).not.toThrow();
    expect((run.exports as Exports).value).toBe(5);
  });

  it("keeps the program's line numbers in stack traces", () => {
    const dir = tempDir();
    const file = writeProgram(dir, 6);
    const { fail } = runCached(file, "test", null).exports as Exports;
    // The 50 functions, then `require`, then the exports on line 52.
    expect(() => fail()).toThrow(expect.objectContaining({ stack: expect.stringContaining(`${file}:52:`) }));
  });
});

describe("cacheFolder", () => {
  it("honours Node's own switches: NODE_DISABLE_COMPILE_CACHE, NODE_COMPILE_CACHE", () => {
    expect(cacheFolder({ NODE_DISABLE_COMPILE_CACHE: "1" })).toBeNull();
    expect(cacheFolder({ NODE_COMPILE_CACHE: "/var/cache/node" })).toBe(join("/var/cache/node", "lom"));
  });

  it("is a folder of this user's own in the temporary folder by default", () => {
    expect(cacheFolder({})).toBe(join(tmpdir(), `lom-compile-cache-${process.getuid?.() ?? "user"}`));
  });
});
