import { taskLogDirectory } from '@claudine/runner';
import type { DataLayout } from '../config/data-directory.js';
import { type ChangeWatcher, watchChanges } from '../watch-changes.js';

/** Stops a {@link watchTaskLog} watcher; `retry` checks again for a log that did not exist. */
export type TaskLogWatcher = ChangeWatcher;

/**
 * Calls `listener` when a task's log changes (a write, a new or compressed segment), from any
 * process. A task gets its log directory when it starts writing, which may be after this call
 * and with no change of state to tell: until it exists, the logs directory is watched for it to
 * appear. Events only, no poll: pair it with the `changed` signal, which polls.
 */
export function watchTaskLog(layout: DataLayout, taskId: string, listener: () => void): TaskLogWatcher {
  return watchChanges(taskLogDirectory(layout.logs, taskId), listener, { pollMs: false });
}
