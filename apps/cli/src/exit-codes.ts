import { constants } from 'node:os';
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

/** What each exit code means, for `--help` and the README (generated from this list). */
export const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [number | string, string]> = [
  [EXIT.ok, 'success (`run --wait`: the task completed)'],
  [
    EXIT.failure,
    'failure: the command could not do what was asked, or `doctor` found a problem; `run --wait`: the task failed (its own exit code is used when it has one from 1 to 123)',
  ],
  [EXIT.usage, 'usage error or invalid input (unknown option, bad value, invalid setting, empty prompt)'],
  [EXIT.notFound, 'not found: no task has that id (also: a log deleted after `output.retention`)'],
  [EXIT.conflict, 'conflict: the task is in the wrong state (cancelling a finished task), a host already runs, a dependency cycle'],
  [EXIT.storage, 'storage error: the database is damaged, locked, full or too new (also: part of a log is missing; the rest is printed)'],
  [EXIT.timeout, '`run --wait`: the task timed out'],
  [EXIT.crashed, '`run --wait`: the host running the task died or shut down'],
  [EXIT.dependencyFailed, '`run --wait`: a dependency failed, so the task did not run'],
  [EXIT.spawnError, '`run --wait`: the agent could not start (executable missing?)'],
  [EXIT.cancelled, '`run --wait`: the task was cancelled, or you stopped waiting with Ctrl-C (the task goes on)'],
  [
    '128+N',
    '`run --wait`: the task was killed by signal N, as a shell reports it: 129 SIGHUP, 130 SIGINT, 131 SIGQUIT, 134 SIGABRT, 137 SIGKILL, 139 SIGSEGV, 143 SIGTERM',
  ],
];

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
    // An installation problem, not a storage one: the database is fine.
    native_module_mismatch: EXIT.failure,
  };
  return byCode[error.code] ?? EXIT.failure;
}

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
      if (task.signal !== null) {
        const number = (constants.signals as Readonly<Record<string, number | undefined>>)[task.signal];
        return number === undefined ? EXIT.failure : 128 + number;
      }
      return EXIT.failure;
  }
}
