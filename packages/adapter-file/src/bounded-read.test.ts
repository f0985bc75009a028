import { spawn } from "node:child_process";
import { promises as fs, type Stats } from "node:fs";
import { join } from "node:path";
import { MAX_PAYLOAD_BYTES } from "@rune/mrs-core";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempFolders, tempFolder } from "../test/support.js";
import { readBoundedSync } from "./bounded-read.js";
import { type BoundedRead, readBounded } from "./index.js";

afterAll(removeTempFolders);

type Reader = (handle: fs.FileHandle, stat: Stats, limit?: number) => Promise<BoundedRead>;

/** Opens `path`, takes its stat, runs `between` (the file may change there), then reads it. */
async function readAfter(
  path: string,
  between: () => Promise<void> = async () => {},
  limit?: number,
  reader: Reader = readBounded,
) {
  const handle = await fs.open(path, "r");
  try {
    const stat = await handle.stat();
    await between();
    return await reader(handle, stat, limit);
  } finally {
    await handle.close();
  }
}

/** The synchronous reader, on the same handle's descriptor (the folder source's reads). */
const syncReader: Reader = async (handle, stat, limit) => readBoundedSync(handle.fd, stat, limit);

describe.each([
  ["readBounded", readBounded],
  ["readBoundedSync", syncReader],
] as const)("%s on regular files (RULES.md E11)", (_name, reader) => {
  it("reads a regular file whole, into a buffer of its size, and an empty one as no bytes", async () => {
    const folder = await tempFolder();
    const content = Buffer.from(`{"a": "${"é".repeat(5000)}"}`);
    await fs.writeFile(join(folder, "m.json"), content);
    await fs.writeFile(join(folder, "empty.json"), "");
    const read = await readAfter(join(folder, "m.json"), undefined, undefined, reader);
    expect(read).toEqual({ ok: true, bytes: content });
    // Never memory of the limit's size: its own, a byte more than the file at most (the one read of
    // its size plus one), or a slice of Node's shared pool (64 KiB from Node 24 on, which serves
    // this size too).
    expect(read.ok && read.bytes.buffer.byteLength).toBeLessThanOrEqual(Math.max(content.length + 1, Buffer.poolSize));
    expect(await readAfter(join(folder, "empty.json"), undefined, undefined, reader)).toEqual({
      ok: true,
      bytes: Buffer.alloc(0),
    });
  });

  it("MRS-E11 refuses a regular file over the limit by its size, and one at the limit is read", async () => {
    const folder = await tempFolder();
    await fs.writeFile(join(folder, "big.json"), Buffer.alloc(101, 0x20));
    await fs.writeFile(join(folder, "edge.json"), Buffer.alloc(100, 0x20));
    expect(await readAfter(join(folder, "big.json"), undefined, 100, reader)).toEqual({ ok: false, size: 101 });
    const edge = await readAfter(join(folder, "edge.json"), undefined, 100, reader);
    expect(edge.ok && edge.bytes.length).toBe(100);
  });

  it("reads the bytes a file gained after its stat, and refuses it when they take it over the limit", async () => {
    const folder = await tempFolder();
    const path = join(folder, "growing.json");
    await fs.writeFile(path, "0123456789");
    const grown = await readAfter(path, () => fs.appendFile(path, "abcdefghij".repeat(10)), undefined, reader);
    expect(grown).toEqual({ ok: true, bytes: Buffer.from(`0123456789${"abcdefghij".repeat(10)}`) });
    await fs.writeFile(path, "0123456789");
    const over = await readAfter(path, () => fs.appendFile(path, "x".repeat(200)), 100, reader);
    expect(over).toEqual({ ok: false, size: 101 });
  });
});

describe("readBounded on a pipe (RULES.md E11)", () => {
  it("MRS-E11 reads a pipe to one byte past the limit at the most, however much is written to it", async () => {
    const folder = await tempFolder();
    const fifo = join(folder, "pipe.json");
    await new Promise<void>((resolve, reject) =>
      spawn("mkfifo", [fifo]).once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo: ${code}`)))),
    );
    // A writer that would write twice the limit; the reader stops at the limit plus one byte.
    const writer = spawn(process.execPath, [
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(fifo)}, "x".repeat(${2 * MAX_PAYLOAD_BYTES}))`,
    ]);
    const exited = new Promise((resolve) => writer.once("exit", resolve));
    const handle = await fs.open(fifo, "r");
    try {
      expect(await readBounded(handle, await handle.stat())).toEqual({ ok: false, size: MAX_PAYLOAD_BYTES + 1 });
    } finally {
      await handle.close();
      writer.kill();
      await exited;
    }
  });
});
