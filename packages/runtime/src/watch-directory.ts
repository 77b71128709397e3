import { type FSWatcher, watch } from 'node:fs';

/** Stops a {@link watchDirectory} watcher. */
export interface DirectoryWatcher {
  close(): void;
}

/**
 * Calls `listener` whenever something in `directory` changes (inotify, FSEvents). The directory
 * may not exist yet: watching starts as soon as it does (checked on each call of `retry`, which
 * callers poll anyway). Best effort: callers poll as well, so a missed event only costs latency.
 */
export function watchDirectory(directory: string, listener: () => void): DirectoryWatcher & { retry(): void } {
  let watcher: FSWatcher | undefined;
  let closed = false;
  const start = (): void => {
    if (watcher !== undefined || closed) return;
    try {
      watcher = watch(directory, { persistent: false }, () => listener());
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined;
    }
  };
  start();
  return {
    retry: start,
    close() {
      closed = true;
      watcher?.close();
      watcher = undefined;
    },
  };
}
