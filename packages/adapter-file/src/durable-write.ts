import { constants, promises as fs } from "node:fs";
import { errorCode, NO_HARD_LINKS } from "./fs-errors.js";
import { tempSibling } from "./temp-files.js";

/**
 * Writes `text` into a new file at `temp` and flushes it to the disk, so that a rename of it
 * publishes complete bytes (without the flush, a power cut after the rename can leave an empty
 * or partial file under the final name on ext4, XFS and others). The file is removed again if
 * any step fails, so a failed write leaves nothing behind.
 *
 * `onSync` is called before each `fsync` of this module's functions: the store counts them.
 *
 * Our own 15 lines rather than `write-file-atomic`, which does the temp + fsync + rename but
 * not the folder's fsync (see {@link syncFolder}) and requires Node ^20.17 for no gain here.
 */
export async function writeFlushed(
  temp: string,
  text: string | Uint8Array,
  mode?: number,
  onSync: () => void = noop,
): Promise<void> {
  const handle = await fs.open(temp, "wx");
  try {
    // Keeps the permissions a person gave the catalog (say 0600) across our replacements.
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(text, "utf8");
    onSync();
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
}

/**
 * Flushes a folder's entries (a rename, a new link) to the disk: until then a crash can undo a
 * rename that already returned, and a commit that was acknowledged would be lost.
 */
export async function syncFolder(folder: string, onSync: () => void = noop): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(folder, "r");
  } catch (error) {
    // Windows cannot open a folder as a file; its renames are durable by other means.
    if (errorCode(error) === "EISDIR" || errorCode(error) === "EPERM") return;
    throw error;
  }
  try {
    onSync();
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a folder (EINVAL); there is nothing more we can do there.
    if (errorCode(error) !== "EINVAL" && errorCode(error) !== "EBADF") throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Makes `backup` the same bytes as `file`, atomically (the old backup stays whole until the new
 * one replaces it). A hard link costs no copy: `file` is never written in place (it is only ever
 * replaced by rename), so the linked bytes stay those of the good file we checked. Where there
 * are no hard links, a flushed copy.
 */
export async function replaceBackup(file: string, backup: string, onSync: () => void = noop): Promise<void> {
  const temp = tempSibling(backup);
  try {
    try {
      await fs.link(file, temp);
    } catch (error) {
      const code = errorCode(error);
      if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
      await fs.copyFile(file, temp, constants.COPYFILE_EXCL);
      const handle = await fs.open(temp, "r+");
      onSync();
      await handle.sync().finally(() => handle.close());
    }
    await fs.rename(temp, backup);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

function noop(): void {}
