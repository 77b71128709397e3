import type { Task } from '@claudine/core';
import { taskFixture } from '@claudine/task-fixtures';
import type { Notification } from './notification-channel.js';
import { taskEndEvent } from './notification-event.js';
import { notificationPayload } from './notification-payload.js';

/** A task that failed with exit code 1 after running 12 s; `overrides` win. */
export function failedTask(overrides: Partial<Task> = {}): Task {
  return taskFixture({
    prompt: 'Run the test suite and fix what fails',
    status: 'failed',
    failureReason: 'exit_code',
    statusDetail: 'exited with code 1',
    exitCode: 1,
    attempt: 1,
    startedAt: 1_000_000,
    finishedAt: 1_012_000,
    ...overrides,
  });
}

/** The notification of `task`'s end, as the service builds it. */
export function notificationOf(task: Task, id = 'delivery-1'): Notification {
  const event = taskEndEvent(task, Date.now());
  if (event === undefined) throw new Error(`task ${task.id} has not ended`);
  const payload = notificationPayload(event);
  return { event, payload, body: JSON.stringify(payload), id };
}
