// Whole tasks with plain defaults, for the tests and benchmarks of the packages that take tasks
// (a store, a runner, a host). When `Task` gains a field, this is the one place to fill it.
import { formatTaskId, type NewTask, reportedFigures, type Task, type TaskMetrics, type TaskOutcome } from '@claudine/core';
import { unmeasuredUsage } from '@claudine/metrics';

let sequence = 0;

/** A random task id (from `Math.random`: core has no platform randomness, and tests need none). */
export function testTaskId(): string {
  const bytes = new Uint8Array(8);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = Math.floor(Math.random() * 256);
  return formatTaskId(bytes);
}

/**
 * A new task as a store is given it: a command task running `true` in `/tmp`, priority P1, a
 * minute's timeout, no labels, dependencies or retries, submitted now. `overrides` win.
 */
export function newTaskFixture(overrides: Partial<NewTask> = {}): NewTask {
  return {
    id: testTaskId(),
    prompt: 'true',
    agent: 'command',
    agentOptions: {},
    cwd: '/tmp',
    priority: 'P1',
    timeoutMs: 60_000,
    labels: [],
    dependsOn: [],
    dependencyPolicy: 'fail',
    passDependencyResults: false,
    maxRetries: 0,
    createdAt: Date.now(),
    ...overrides,
  };
}

/**
 * A stored task, queued and never started, made from {@link newTaskFixture}'s defaults with the
 * next `seq`. `overrides` win; see {@link runningTaskFixture} for one that runs.
 */
export function taskFixture(overrides: Partial<Task> = {}): Task {
  sequence += 1;
  const { createdAt, labels, dependsOn, environment: _environment, worktree: _worktree, ...submitted } = newTaskFixture();
  return {
    ...submitted,
    labels: [...labels],
    dependsOn: [...dependsOn],
    seq: sequence,
    blockedBy: [],
    notify: null,
    status: 'queued',
    failureReason: null,
    statusDetail: null,
    attempt: 0,
    notBefore: null,
    createdAt,
    updatedAt: createdAt,
    startedAt: null,
    finishedAt: null,
    owner: null,
    pid: null,
    pidStartTime: null,
    leaseExpiresAt: null,
    cancelRequestedAt: null,
    exitCode: null,
    signal: null,
    report: null,
    warnedAt: null,
    outputTruncated: false,
    worktree: null,
    ...overrides,
  };
}

/** A task as a runner gets it from a host: claimed by `owner` (default `host`), first attempt, started now. */
export function runningTaskFixture(overrides: Partial<Task> = {}): Task {
  const now = Date.now();
  return taskFixture({ status: 'running', attempt: 1, createdAt: now, updatedAt: now, startedAt: now, owner: 'host', ...overrides });
}

/** How a run that exited with code 0 is recorded (`TaskStore.finish`). */
export function completedOutcomeFixture(finishedAt = Date.now()): TaskOutcome {
  return {
    status: 'completed',
    failureReason: null,
    statusDetail: null,
    exitCode: 0,
    signal: null,
    report: null,
    outputTruncated: false,
    finishedAt,
  };
}

/** How a run that exited with code 1 is recorded (`TaskStore.finish`). */
export function failedOutcomeFixture(finishedAt = Date.now()): TaskOutcome {
  return {
    status: 'failed',
    failureReason: 'exit_code',
    statusDetail: 'exited with code 1',
    exitCode: 1,
    signal: null,
    report: null,
    outputTruncated: false,
    finishedAt,
  };
}

/**
 * The metrics of a finished first attempt of a command task with nothing measured (metrics'
 * `unmeasuredUsage`) and nothing reported, one second of wall time ending now. `overrides` win.
 */
export function taskMetricsFixture(overrides: Partial<TaskMetrics> = {}): TaskMetrics {
  const now = Date.now();
  return {
    taskId: testTaskId(),
    attempt: 1,
    agent: 'command',
    live: false,
    startedAt: now - 1000,
    updatedAt: now,
    finishedAt: now,
    wallMs: 1000,
    ...unmeasuredUsage('not measured'),
    ...reportedFigures(null),
    ...overrides,
  };
}
