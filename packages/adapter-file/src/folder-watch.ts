import { type FSWatcher, watch } from "node:fs";

/**
 * Watches one folder (not recursive) and calls `onChange` once a burst of events on relevant
 * names has settled for `debounceMs`: an editor's save or our own temp-write-rename is several
 * events, and a listener wants one notice. Returns the function that stops watching.
 *
 * Best effort, as `fs.watch` is: where the folder cannot be watched (it does not exist, too many
 * watches) this watches nothing rather than failing the caller, whose data stays correct
 * without notices. The watcher and timer are unref'd: watching never keeps a process alive.
 */
export function watchFolder(
  folder: string,
  relevant: (name: string | null) => boolean,
  debounceMs: number,
  onChange: () => void,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher;
  try {
    watcher = watch(folder, { persistent: false }, (_event, name) => {
      if (!relevant(name === null ? null : String(name))) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
      timer.unref();
    });
  } catch {
    return () => undefined;
  }
  // The folder was removed or became unreadable: stop quietly, as above.
  watcher.on("error", () => watcher.close());
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
