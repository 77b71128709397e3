import { type ClaudineErrorCode, isClaudineError, type Task } from '@claudine/core';

/**
 * Exit codes of the CLI. A finished `run --wait` exits with the task's own exit code where it has
 * one; the codes from 124 up follow the conventions of `timeout(1)` and the shell.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  storage: 5,
  timeout: 124,
  crashed: 125,
  dependencyFailed: 126,
  spawnError: 127,
  cancelled: 130,
} as const;

/** The exit code for an error thrown by the runtime. */
export function exitCodeForError(error: unknown): number {
  if (!isClaudineError(error)) return EXIT.failure;
  const byCode: Partial<Record<ClaudineErrorCode, number>> = {
    invalid_input: EXIT.usage,
    config_invalid: EXIT.usage,
    not_found: EXIT.notFound,
    conflict: EXIT.conflict,
    illegal_transition: EXIT.conflict,
    dependency_cycle: EXIT.conflict,
    host_running: EXIT.conflict,
    storage_corrupt: EXIT.storage,
    storage_locked: EXIT.storage,
    storage_full: EXIT.storage,
    storage_readonly: EXIT.storage,
    storage_too_new: EXIT.storage,
    storage_failed: EXIT.storage,
  };
  return byCode[error.code] ?? EXIT.failure;
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/** The exit code that reports how a finished task ended. */
export function exitCodeForTask(task: Task): number {
  if (task.status === 'completed') return EXIT.ok;
  switch (task.failureReason) {
    case 'timeout':
      return EXIT.timeout;
    case 'cancelled':
      return EXIT.cancelled;
    case 'crashed':
    case 'shutdown':
      return EXIT.crashed;
    case 'dependency_failed':
      return EXIT.dependencyFailed;
    case 'spawn_error':
      return EXIT.spawnError;
    default:
      if (task.exitCode !== null && task.exitCode > 0 && task.exitCode < 124) return task.exitCode;
      if (task.signal !== null) return 128 + (SIGNAL_NUMBERS[task.signal] ?? 0);
      return EXIT.failure;
  }
}
