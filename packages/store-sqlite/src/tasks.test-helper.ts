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
