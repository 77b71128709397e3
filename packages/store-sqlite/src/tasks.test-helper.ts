import type { NewTask } from '@claudine/core';
import { completedOutcomeFixture, newTaskFixture } from '@claudine/task-fixtures';

let counter = 0;

/** A new task with sensible defaults; tests override what they care about. */
export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  counter += 1;
  return newTaskFixture({ prompt: `task ${counter}`, ...overrides });
}

/** The outcome of a successful run. */
export const completedOutcome = completedOutcomeFixture;

/** The outcome of a run that failed with exit code 1. */
export function failedOutcome(finishedAt = Date.now()) {
  return {
    status: 'failed' as const,
    failureReason: 'exit_code' as const,
    statusDetail: 'exited with code 1',
    exitCode: 1,
    signal: null,
    report: null,
    outputTruncated: false,
    finishedAt,
  };
}
