import type { Task } from '@claudine/core';
import { graphNodeState, taskTitle } from '@claudine/runtime';
import type { TaskActions, TaskRow, TaskView } from './api-types.js';

/** A task as one row of the tasks table. */
export function taskRow(task: Task): TaskRow {
  return {
    id: task.id,
    title: taskTitle(task, 100),
    state: graphNodeState(task),
    status: task.status,
    agent: task.agent,
    priority: task.priority,
    labels: task.labels,
    createdAt: task.createdAt,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
    attempt: task.attempt,
    failureReason: task.failureReason,
    costUsd: task.report?.costUsd ?? null,
  };
}

/**
 * A task as the task page shows it. The values of its environment variables stay on the server:
 * they are how secrets (API keys) reach an agent, and a page is easy to share or screenshot.
 */
export function taskView(task: Task): TaskView {
  return {
    id: task.id,
    prompt: task.prompt,
    agent: task.agent,
    model: task.report?.model ?? task.agentOptions.model ?? null,
    cwd: task.cwd,
    priority: task.priority,
    labels: task.labels,
    state: graphNodeState(task),
    status: task.status,
    statusDetail: task.statusDetail,
    failureReason: task.failureReason,
    dependsOn: task.dependsOn,
    blockedBy: task.blockedBy,
    dependencyPolicy: task.dependencyPolicy,
    attempt: task.attempt,
    maxRetries: task.maxRetries,
    timeoutMs: task.timeoutMs,
    createdAt: task.createdAt,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
    cancelRequestedAt: task.cancelRequestedAt,
    exitCode: task.exitCode,
    signal: task.signal,
    environmentNames: Object.keys(task.agentOptions.env ?? {}).sort(),
    sessionId: task.report?.sessionId ?? null,
    resultText: task.report?.resultText ?? null,
    turns: task.report?.turns ?? null,
    costUsd: task.report?.costUsd ?? null,
    usage: task.report?.usage ?? null,
    outputTruncated: task.outputTruncated,
  };
}

/** The actions the runtime would accept for the task as it is now. */
export function taskActions(task: Task): TaskActions {
  return {
    cancel: task.status === 'queued' || (task.status === 'running' && task.cancelRequestedAt === null),
    retry: task.status === 'failed' || task.status === 'cancelled',
    resume: task.agent === 'claude' && task.status !== 'running' && (task.report?.sessionId ?? task.agentOptions.resumeSessionId) != null,
  };
}
