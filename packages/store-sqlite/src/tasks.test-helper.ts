import { formatTaskId, type NewTask } from '@claudine/core';

let counter = 0;

/** A new task with sensible defaults; tests override what they care about. */
export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  counter += 1;
  const bytes = new Uint8Array(8);
  for (let index = 0; index < 8; index += 1) bytes[index] = Math.floor(Math.random() * 256);
  return {
    id: formatTaskId(bytes),
    prompt: `task ${counter}`,
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

/** The outcome of a successful run. */
export function completedOutcome(finishedAt = Date.now()) {
  return {
    status: 'completed' as const,
    failureReason: null,
    statusDetail: null,
    exitCode: 0,
    signal: null,
    report: null,
    outputTruncated: false,
    finishedAt,
  };
}

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
