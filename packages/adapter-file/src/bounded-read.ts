import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { MAX_PAYLOAD_BYTES } from "@rune/mrs-core";

/** What {@link readBounded} read: every byte of the file, or that it holds more than the limit. */
export type BoundedRead =
  | { readonly ok: true; readonly bytes: Buffer }
  | {
      readonly ok: false;
      /** The size seen: the file's, when it was refused by its size; else the limit plus one. */
      readonly size: number;
    };

/**
 * Reads an open file with the payload limit (RULES.md E11), whatever the file is: a regular
 * file larger than `limit` is refused by its size (`stat`, the handle's), unread, and anything
 * else (a file that grew since its `stat`, a pipe, `/dev/zero`) is read to one byte past the
 * limit at the most, never whole. The bytes come in a buffer of exactly their size, not one of
 * the limit's (a caller may keep them a long time); a regular file is read in one call of its
 * size plus one byte, unless it grew since its `stat`. What reading throws is thrown.
 *
 * @example
 * const handle = await open("manifest.json");
 * const read = await readBounded(handle, await handle.stat()).finally(() => handle.close());
 * if (!read.ok) console.error(`more than ${MAX_PAYLOAD_BYTES} bytes`);
 */
export async function readBounded(handle: FileHandle, stat: Stats, limit = MAX_PAYLOAD_BYTES): Promise<BoundedRead> {
  if (stat.isFile() && stat.size > limit) return { ok: false, size: stat.size };
  const regular = stat.isFile();
  const chunks: Buffer[] = [];
  let total = 0;
  // One byte more than the stat's size: a regular file that has not grown fills all but that
  // byte, and that short read is its end, so it takes one read call, not a second one to find it.
  let chunkSize = regular ? stat.size + 1 : READ_CHUNK;
  while (total <= limit) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, limit + 1 - total));
    // From where the last read ended (position null): a pipe or a device has no positions.
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    // A pipe may return less than asked and still have more; a regular file only at its end.
    if (regular && bytesRead < chunk.length) break;
    chunkSize = READ_CHUNK;
  }
  return total > limit ? { ok: false, size: total } : { ok: true, bytes: Buffer.concat(chunks, total) };
}

const READ_CHUNK = 64 * 1024;
