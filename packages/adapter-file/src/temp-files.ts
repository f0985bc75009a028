import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * A fresh temporary name beside `path`, in the same folder (so that a rename onto `path` is
 * atomic: both names live on one file system). Hidden (leading dot) so that folder listings and
 * the folder source pass it by; the pid and random part keep writers from colliding.
 */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Which names in the folder are temporary files of the store kept at `target`: its own temp,
 * and those of its backup, journal, lock and lock-breaking steps. Exact, so that the files of another
 * store in the same folder (`catalog.json.old`) are never touched.
 */
export function leftoverPattern(target: string): RegExp {
  const base = basename(target).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\.${base}(?:\\.bak|\\.journal|\\.lock|\\.lock\\.break)?-\\d+-[0-9a-f]+\\.tmp$`);
}

/**
 * Removes the temporary files a crashed writer left beside `target`. Safe only while holding the
 * store's lock: then no writer of this store is in the middle of a write. (A waiter's lock
 * candidate may be removed too; the waiter sees ENOENT and tries again.)
 */
export async function removeLeftovers(target: string): Promise<string[]> {
  const pattern = leftoverPattern(target);
  const folder = dirname(target);
  const removed: string[] = [];
  for (const name of await fs.readdir(folder)) {
    if (!pattern.test(name)) continue;
    await fs.rm(join(folder, name), { force: true });
    removed.push(name);
  }
  return removed;
}
