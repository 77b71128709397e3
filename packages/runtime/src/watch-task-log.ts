import { taskLogDirectory } from '@claudine/runner';
import type { DataLayout } from './data-directory.js';
import { type DirectoryWatcher, watchDirectory } from './watch-directory.js';

/** Stops a {@link watchTaskLog} watcher; `retry` starts it if the log did not exist yet. */
export interface TaskLogWatcher extends DirectoryWatcher {
  retry(): void;
}

/**
 * Calls `listener` when a task's log changes (a write, a new or compressed segment), from any
 * process. A queued task has no log yet: call `retry` when its state changes and watching starts
 * once the log exists. Best effort (inotify, FSEvents): pair it with the `changed` signal.
 */
export function watchTaskLog(layout: DataLayout, taskId: string, listener: () => void): TaskLogWatcher {
  return watchDirectory(taskLogDirectory(layout.logs, taskId), listener);
}
