import { type FSWatcher, watch } from 'node:fs';
import { taskLogDirectory } from '@claudine/runner';
import type { DataLayout } from '../config/data-directory.js';

/** Stops a {@link watchTaskLog} watcher; `retry` checks again for a log that did not exist. */
export interface TaskLogWatcher {
  retry(): void;
  close(): void;
}

/**
 * Calls `listener` when a task's log changes (a write, a new or compressed segment), from any
 * process. A task gets its log directory when it starts writing, which may be after this call
 * and with no change of state to tell: until it exists, the logs directory is watched for it to
 * appear. Best effort (inotify, FSEvents): pair it with the `changed` signal.
 */
export function watchTaskLog(layout: DataLayout, taskId: string, listener: () => void): TaskLogWatcher {
  const directory = taskLogDirectory(layout.logs, taskId);
  let closed = false;
  let log: FSWatcher | undefined;
  let parent: FSWatcher | undefined;

  const watchLog = (): boolean => {
    if (closed || log !== undefined) return log !== undefined;
    try {
      log = watch(directory, { persistent: false }, () => listener());
      log.on('error', () => {
        log?.close();
        log = undefined;
      });
    } catch {
      return false;
    }
    parent?.close();
    parent = undefined;
    return true;
  };

  const start = (): void => {
    if (watchLog() || closed || parent !== undefined) return;
    try {
      parent = watch(layout.logs, { persistent: false }, (_event, name) => {
        if (name !== null && name !== taskId) return;
        // Output may already be in it by the time it is watched.
        if (watchLog()) listener();
      });
      parent.on('error', () => {
        parent?.close();
        parent = undefined;
      });
    } catch {
      parent = undefined;
    }
    // It may have appeared between the first look and the parent's watch.
    if (watchLog()) listener();
  };

  start();
  return {
    retry: start,
    close() {
      closed = true;
      log?.close();
      parent?.close();
      log = undefined;
      parent = undefined;
    },
  };
}
