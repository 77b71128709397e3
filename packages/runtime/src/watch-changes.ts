import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * How often a watcher calls its listener anyway, in case file events were missed (network file
 * systems, a full inotify queue). One value for every client that waits on the data directory,
 * so a missed event costs the same latency everywhere.
 */
export const CHANGE_POLL_MS = 1000;

/** Options for {@link watchChanges}. */
export interface WatchChangesOptions {
  /** Only changes to these entries of the directory count (default: any entry). */
  readonly names?: readonly string[];
  /**
   * Also call the listener this often (default {@link CHANGE_POLL_MS}); `false` for never, when
   * something else polls (the listener then hears only of real events). The interval keeps the
   * process alive while someone waits; `close()` releases it.
   */
  readonly pollMs?: number | false;
}

/** Stops a {@link watchChanges} watcher. */
export interface ChangeWatcher {
  /** Tries again now to watch a directory that did not exist (the poll does it too). */
  retry(): void;
  close(): void;
}

/**
 * The one way Claudine learns that "something changed" in the data directory: calls `listener`
 * when an entry of `directory` changes (inotify, FSEvents), and every `pollMs` as a fallback.
 * The directory may not exist yet (a task's log before its first write): its parent is watched
 * until it appears, and the listener is called once it does, since what it holds may already be
 * there. A watch that fails or errors is dropped and tried again on the next poll or `retry`.
 */
export function watchChanges(directory: string, listener: () => void, options: WatchChangesOptions = {}): ChangeWatcher {
  const names = options.names === undefined ? undefined : new Set(options.names);
  const name = basename(directory);
  let closed = false;
  let own: FSWatcher | undefined;
  let parent: FSWatcher | undefined;

  const open = (path: string, onEvent: (entry: string | null) => void, onError: () => void): FSWatcher | undefined => {
    try {
      const watcher = watch(path, { persistent: false }, (_event, entry) => onEvent(entry));
      watcher.on('error', onError);
      return watcher;
    } catch {
      return undefined;
    }
  };
  const watchOwn = (): boolean => {
    if (closed || own !== undefined) return own !== undefined;
    own = open(
      directory,
      (entry) => {
        if (names === undefined || entry === null || names.has(entry)) listener();
      },
      () => {
        own?.close();
        own = undefined;
      },
    );
    if (own === undefined) return false;
    parent?.close();
    parent = undefined;
    return true;
  };
  const start = (): void => {
    if (watchOwn() || closed || parent !== undefined) return;
    parent = open(
      dirname(directory),
      (entry) => {
        if ((entry === null || entry === name) && watchOwn()) listener();
      },
      () => {
        parent?.close();
        parent = undefined;
      },
    );
    // It may have appeared between the first look and the parent's watch.
    if (watchOwn()) listener();
  };

  start();
  const timer =
    options.pollMs === false
      ? undefined
      : setInterval(() => {
          start();
          listener();
        }, options.pollMs ?? CHANGE_POLL_MS);
  return {
    retry: start,
    close() {
      closed = true;
      clearInterval(timer);
      own?.close();
      parent?.close();
      own = undefined;
      parent = undefined;
    },
  };
}
