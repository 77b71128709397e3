import { join } from 'node:path';
import { ClaudineError } from '@claudine/core';

// Task ids are short base32 strings; anything that could leave the logs directory is refused.
const SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The directory holding one task's log segments. Throws `invalid_input` for an id that is not
 * a plain name (so a crafted id cannot reach outside the logs directory).
 */
export function taskLogDirectory(logsDirectory: string, taskId: string): string {
  if (!SAFE_NAME.test(taskId)) {
    throw new ClaudineError('invalid_input', `"${taskId}" is not a task id: ids are letters and digits, like 3k9x2m4qab.`, {
      details: { taskId },
    });
  }
  return join(logsDirectory, taskId);
}
