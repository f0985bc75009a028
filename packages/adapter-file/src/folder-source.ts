import { closeSync, constants, type Dirent, promises as fs, fstatSync, openSync, type Stats } from "node:fs";
import { join, resolve } from "node:path";
import { setImmediate } from "node:timers/promises";
import { type Discovery, MAX_PAYLOAD_BYTES, type MrsError, mrsError, type RegistrationSource } from "@rune/mrs-core";
import { readBoundedSync } from "./bounded-read.js";
import { watchFolder } from "./folder-watch.js";
import { errorCode } from "./fs-errors.js";

/** Options of {@link folderSource}. */
export interface FolderSourceOptions {
  /** The folder of manifest files, relative to the working folder or absolute; shown as given in origins. */
  readonly folder: string;
  /**
   * What a missing folder means. `false` (the default): discovery fails with an error naming
   * the folder (the registry records it as a `SOURCE_UNAVAILABLE` decision), since a folder
   * that was configured but is not there is usually a typo. `true`: nothing to discover, for
   * a default folder that may not have been created yet.
   */
  readonly optional?: boolean;
  /** Offer `watch`, telling watchers when a manifest file is added, changed or removed. Default `false`. */
  readonly watch?: boolean;
  /** How long the folder must be quiet before watchers are told. Default 100 ms. */
  readonly watchDebounceMs?: number;
}

/**
 * Open flags for a manifest: never follow a symbolic link (one swapped in after the listing is
 * refused too, with ELOOP), and never block on a FIFO named `x.json` (`O_NONBLOCK` has no effect
 * on regular files). Both are 0 where the platform lacks them.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * A source that reads a folder of manifest files: every `*.json` file directly in the folder
 * (not in subfolders), one registration payload each, in name order. Origins read
 * `folder:<folder as given>/<file>`, so every decision names its file.
 *
 * - A file that does not parse or is invalid is handed to the core as text, which records a
 *   rejected decision naming it (`INVALID_JSON`, ...); the other files go on.
 * - Names starting with `.` are skipped (editors' swap and backup files, our own temporary files).
 * - Symbolic links are refused (`SOURCE_UNAVAILABLE`): a manifest is a file in the folder.
 *   Following a link could read any file the LOM can read and show parts of it in error messages.
 * - A file over 1 MiB is refused (`PAYLOAD_TOO_LARGE`, RULES.md E11) from its size, unread.
 * - A file that cannot be read (permissions, a folder named `x.json`, a FIFO) is a
 *   `SOURCE_UNAVAILABLE` decision naming it and why.
 * - A missing folder: see {@link FolderSourceOptions.optional}.
 *
 * @example
 * const registry = createRegistry({ store, sources: [folderSource({ folder: "modules" })] });
 * const report = await registry.start(); // one decision per manifest file
 */
export function folderSource(options: FolderSourceOptions): RegistrationSource {
  const shown = options.folder.replace(/[\\/]+$/, "") || options.folder;
  const folder = resolve(options.folder);
  const debounceMs = options.watchDebounceMs ?? 100;
  const unwatchers = new Set<() => void>();

  async function listManifests(): Promise<Dirent[] | null> {
    try {
      const entries = await fs.readdir(folder, { withFileTypes: true });
      // Code-unit order, the same in every locale: discovery order is deterministic.
      return entries.filter((e) => e.name.endsWith(".json") && !e.name.startsWith(".")).sort(byName);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" && options.optional === true) return null;
      if (code === "ENOENT") throw new Error(`the folder ${shown} (${folder}) does not exist`);
      if (code === "ENOTDIR") throw new Error(`${shown} (${folder}) is not a folder`);
      if (code === "EACCES" || code === "EPERM")
        throw new Error(`the folder ${shown} cannot be read: permission denied`);
      throw error;
    }
  }

  /** One manifest, read synchronously (see `discover`): its bytes, or why it is refused. */
  function readManifest(entry: Dirent): Discovery | null {
    const display = `${shown}/${entry.name}`;
    const origin = `folder:${display}`;
    const refuse = (error: MrsError): Discovery => ({ origin, errors: [error] });
    if (entry.isSymbolicLink()) return refuse(symlinkError(display));
    let fd: number;
    try {
      fd = openSync(join(folder, entry.name), OPEN_FLAGS);
    } catch (error) {
      // Removed between the listing and now: it is simply no longer part of the folder.
      if (errorCode(error) === "ENOENT") return null;
      return refuse(readError(display, error));
    }
    try {
      const stat = fstatSync(fd);
      // Only a regular file is read, so no read here can block (a FIFO is refused by its stat).
      if (!stat.isFile()) return refuse(notAFileError(display, stat));
      // Refused by its size, or read to one byte past the limit (it may have grown since the stat).
      const read = readBoundedSync(fd, stat);
      if (!read.ok) return refuse(tooLargeError(display, read.size));
      // Bytes, not a string: the core decodes them (and strips a UTF-8 byte order mark) and
      // checks their size as received (RULES.md E1, E11).
      return { origin, text: read.bytes };
    } catch (error) {
      return refuse(readError(display, error));
    } finally {
      closeSync(fd);
    }
  }

  const source: RegistrationSource = {
    name: `folder:${shown}`,
    async discover(): Promise<Discovery[]> {
      const entries = await listManifests();
      if (entries === null) return [];
      // Synchronous reads, a few files per turn of the event loop: through libuv's thread pool
      // each file was four round trips (open, stat, read, close), and reading 1,000 manifests
      // took 67-117 ms against 9-34 ms this way (measured, 2026-12-01). A turn blocks the loop
      // for well under a millisecond on a local disk, and the API answers between turns.
      const found: Discovery[] = [];
      for (let start = 0; start < entries.length; start += READS_PER_TURN) {
        if (start > 0) await setImmediate();
        for (const entry of entries.slice(start, start + READS_PER_TURN)) {
          const discovery = readManifest(entry);
          if (discovery !== null) found.push(discovery);
        }
      }
      return found;
    },
    async close() {
      for (const unwatch of unwatchers) unwatch();
      unwatchers.clear();
    },
  };
  if (options.watch !== true) return source;
  return Object.assign(source, {
    watch(onChange: () => void): () => void {
      const stop = watchFolder(
        folder,
        // A null name: the platform did not say which entry changed, so it may be a manifest.
        (name) => name === null || (name.endsWith(".json") && !name.startsWith(".")),
        debounceMs,
        onChange,
      );
      unwatchers.add(stop);
      return () => {
        stop();
        unwatchers.delete(stop);
      };
    },
  });
}

/** Manifest files read between two turns of the event loop. */
const READS_PER_TURN = 16;

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function symlinkError(display: string): MrsError {
  return mrsError("SOURCE_UNAVAILABLE", "", `${display} is a symbolic link; symbolic links are not followed`, {
    hint: "put the manifest file itself in the folder (copy it), or point a folder source at the folder that holds it",
  });
}

function notAFileError(display: string, stat: Stats): MrsError {
  const kind = stat.isDirectory() ? "a folder" : stat.isFIFO() ? "a named pipe" : "not a regular file";
  return mrsError("SOURCE_UNAVAILABLE", "", `${display} is ${kind}, not a manifest file`, {
    hint: "a folder source reads regular *.json files only: rename or remove it",
  });
}

function tooLargeError(display: string, size: number): MrsError {
  return mrsError(
    "PAYLOAD_TOO_LARGE",
    "",
    `${display} is ${size} bytes; a registration payload is at most ${MAX_PAYLOAD_BYTES} bytes (1 MiB)`,
    { hint: "shrink the capability schemas (a shared `$defs` entry instead of copies), or split the module" },
  );
}

function readError(display: string, error: unknown): MrsError {
  const code = errorCode(error);
  if (code === "ELOOP") return symlinkError(display);
  if (code === "EACCES" || code === "EPERM") {
    return mrsError("SOURCE_UNAVAILABLE", "", `${display} cannot be read: permission denied (${code})`, {
      hint: "give the LOM's user read permission on the file",
    });
  }
  if (code === "EISDIR") return notAFileErrorByCode(display);
  const reason = error instanceof Error ? error.message : String(error);
  return mrsError("SOURCE_UNAVAILABLE", "", `${display} cannot be read: ${reason}`);
}

function notAFileErrorByCode(display: string): MrsError {
  return mrsError("SOURCE_UNAVAILABLE", "", `${display} is a folder, not a manifest file`, {
    hint: "a folder source reads regular *.json files only: rename or remove it",
  });
}
