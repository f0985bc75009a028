import { readSync, type Stats } from "node:fs";
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
 * limit at the most, never whole. The bytes come in a buffer of their size (a byte more at
 * most), never one of the limit's (a caller may keep them a long time); a regular file is read in
 * one call of its size plus one byte, unless it grew since its `stat`. What reading throws is
 * thrown.
 *
 * @example
 * const handle = await open("manifest.json");
 * const read = await readBounded(handle, await handle.stat()).finally(() => handle.close());
 * if (!read.ok) console.error(`more than ${MAX_PAYLOAD_BYTES} bytes`);
 */
export async function readBounded(handle: FileHandle, stat: Stats, limit = MAX_PAYLOAD_BYTES): Promise<BoundedRead> {
  if (stat.isFile() && stat.size > limit) return { ok: false, size: stat.size };
  const reads = new BoundedReads(stat, limit);
  for (let chunk = reads.next(); chunk !== null; chunk = reads.next()) {
    // From where the last read ended (position null): a pipe or a device has no positions.
    reads.took(chunk, (await handle.read(chunk, 0, chunk.length, null)).bytesRead);
  }
  return reads.result();
}

/**
 * {@link readBounded}, synchronously, on a file descriptor: for regular files (and anything else
 * that never blocks a read), where the folder source reads many small files at once and one
 * system call each costs less than a trip through libuv's thread pool.
 */
export function readBoundedSync(fd: number, stat: Stats, limit = MAX_PAYLOAD_BYTES): BoundedRead {
  if (stat.isFile() && stat.size > limit) return { ok: false, size: stat.size };
  const reads = new BoundedReads(stat, limit);
  for (let chunk = reads.next(); chunk !== null; chunk = reads.next()) {
    reads.took(chunk, readSync(fd, chunk, 0, chunk.length, null));
  }
  return reads.result();
}

/** The reads of one bounded read, whatever makes them: which buffer to fill next, and what came. */
class BoundedReads {
  private readonly regular: boolean;
  private readonly chunks: Buffer[] = [];
  private total = 0;
  private chunkSize: number;
  private ended = false;

  constructor(
    stat: Stats,
    private readonly limit: number,
  ) {
    this.regular = stat.isFile();
    // One byte more than the stat's size: a regular file that has not grown fills all but that
    // byte, and that short read is its end, so it takes one read call, not a second one to find it.
    this.chunkSize = this.regular ? stat.size + 1 : READ_CHUNK;
  }

  /** The buffer the next read fills, or `null` once the end or the limit's next byte was read. */
  next(): Buffer | null {
    if (this.ended || this.total > this.limit) return null;
    return Buffer.allocUnsafe(Math.min(this.chunkSize, this.limit + 1 - this.total));
  }

  /** What a read put in `chunk`. */
  took(chunk: Buffer, bytesRead: number): void {
    // A pipe may return less than asked and still have more; a regular file only at its end.
    if (bytesRead === 0 || (this.regular && bytesRead < chunk.length)) this.ended = true;
    if (bytesRead === 0) return;
    this.chunks.push(chunk.subarray(0, bytesRead));
    this.total += bytesRead;
    this.chunkSize = READ_CHUNK;
  }

  result(): BoundedRead {
    if (this.total > this.limit) return { ok: false, size: this.total };
    // A regular file read in its one call (the usual case): its buffer is one byte longer than
    // the file at most, so it is kept as it is rather than copied. A slice of Node's shared pool
    // (Node 24 pools sizes under 32 KiB) goes through Buffer.concat as before.
    const [only] = this.chunks;
    if (this.chunks.length === 1 && only !== undefined && only.buffer.byteLength <= this.total + 1) {
      return { ok: true, bytes: only };
    }
    return { ok: true, bytes: Buffer.concat(this.chunks, this.total) };
  }
}

const READ_CHUNK = 64 * 1024;
