import { isTerminalStatus, type Task } from '@claudine/core';
import { formatDuration, taskTitle } from '@claudine/runtime';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { TaskWatch, Unfollow } from './task-watch.js';

/** A log notification (`notifications/message`) for one session. */
export interface TaskNotice {
  readonly level: LoggingLevel;
  readonly data: string;
}

/**
 * Tells one session about the tasks it handed off (delegated, retried or resumed): when one
 * completes, fails, is cancelled or times out, and when one nears its timeout. Tasks started
 * elsewhere (the CLI, another session of a shared HTTP server) are not announced: that session
 * did not ask for them, and on a busy machine they would flood its context.
 */
export interface TaskNotifier {
  track(task: Task): void;
  close(): void;
}

/** Creates a {@link TaskNotifier} that hands each notice to `send`. */
export function createTaskNotifier(watch: TaskWatch, send: (notice: TaskNotice) => void): TaskNotifier {
  const tracked = new Map<string, Unfollow>();
  return {
    track(task) {
      tracked.get(task.id)?.();
      if (isTerminalStatus(task.status)) {
        // Already over (a dependency failed at submission): say so at once.
        tracked.delete(task.id);
        send(finishedNotice(task));
        return;
      }
      const unfollow = watch.follow([task], (current, previous) => {
        if (current.warnedAt !== null && current.warnedAt !== previous.warnedAt && current.status === 'running')
          send(warningNotice(current));
        if (isTerminalStatus(current.status)) {
          send(finishedNotice(current));
          unfollow();
          tracked.delete(current.id);
        }
      });
      tracked.set(task.id, unfollow);
    },
    close() {
      for (const unfollow of tracked.values()) unfollow();
      tracked.clear();
    },
  };
}

/** The notice for a task that ended. */
export function finishedNotice(task: Task): TaskNotice {
  const title = taskTitle(task, 80);
  const next = `TaskStatus {"taskId": "${task.id}"} for details`;
  if (task.status === 'completed') {
    return { level: 'notice', data: `Task ${task.id} completed (${task.agent}): ${title}. ${next}.` };
  }
  if (task.status === 'cancelled') {
    return { level: 'warning', data: `Task ${task.id} was cancelled${detail(task)}: ${title}. ${next}.` };
  }
  const why = task.failureReason === 'timeout' ? ` (timed out after ${formatDuration(task.timeoutMs)})` : detail(task);
  return {
    level: 'error',
    data: `Task ${task.id} failed${why}: ${title}. ${next}, TaskLogs {"taskId": "${task.id}"} for its output, RetryTask to run it again.`,
  };
}

/** The notice for a task that passed its timeout's warning point. */
export function warningNotice(task: Task): TaskNotice {
  const deadline = (task.startedAt ?? task.warnedAt ?? 0) + task.timeoutMs;
  const left = Math.max(0, deadline - Date.now());
  return {
    level: 'warning',
    data: `Task ${task.id} nears its timeout of ${formatDuration(task.timeoutMs)}: it will be stopped in about ${formatDuration(Math.round(left / 1000) * 1000)} (${taskTitle(task, 80)}).`,
  };
}

function detail(task: Task): string {
  return task.statusDetail === null ? '' : ` (${task.statusDetail})`;
}
