import {
  type AgentOptions,
  type AgentReport,
  type FailureReason,
  type NewTaskWorktree,
  priorityFromRank,
  type Task,
  type TaskStatus,
  type TaskWorktree,
} from '@claudine/core';

/** A row of `tasks` as read with {@link TASK_ROW_COLUMNS}: the task's own columns. */
export interface TaskColumnsRow {
  seq: number;
  id: string;
  status: string;
  priority: number;
  agent: string;
  prompt: string;
  cwd: string;
  agent_options: string;
  labels: string;
  timeout_ms: number;
  max_retries: number;
  attempt: number;
  dependency_policy: string;
  pass_dependency_results: number;
  notify: number | null;
  not_before: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  owner: string | null;
  lease_expires_at: number | null;
  pid: number | null;
  pid_start_time: string | null;
  cancel_requested_at: number | null;
  failure_reason: string | null;
  status_detail: string | null;
  exit_code: number | null;
  signal: string | null;
  report: string | null;
  warned_at: number | null;
  output_truncated: number;
  worktree: string | null;
  worktree_result: string | null;
  worktree_merge: string | null;
  worktree_removed_at: number | null;
}

/** A row of `tasks` as read with {@link TASK_COLUMNS}. */
export interface TaskRow extends TaskColumnsRow {
  /** `[every dependency, the ones still queued or running]`, as JSON arrays of ids. */
  dependencies: string;
}

/** A task's dependencies by id: all of them, and those still queued or running. */
export interface TaskDependencyIds {
  readonly dependsOn: string[];
  readonly waitingFor: string[];
}

/** The select list of a task's own columns from `tasks AS t`, for a caller that knows its dependencies. */
export const TASK_ROW_COLUMNS = `t.seq, t.id, t.status, t.priority, t.agent, t.prompt, t.cwd, t.agent_options, t.labels,
  t.timeout_ms, t.max_retries, t.attempt, t.dependency_policy, t.pass_dependency_results, t.notify, t.not_before,
  t.created_at, t.updated_at, t.started_at, t.finished_at, t.owner, t.lease_expires_at, t.pid, t.pid_start_time,
  t.cancel_requested_at, t.failure_reason, t.status_detail, t.exit_code, t.signal, t.report, t.warned_at,
  t.output_truncated, t.worktree, t.worktree_result, t.worktree_merge, t.worktree_removed_at`;

/**
 * The select list that produces a {@link TaskRow} from `tasks AS t`, dependencies included: one
 * walk of the task's edges gives both what it depends on and what it still waits for.
 */
export const TASK_COLUMNS = `${TASK_ROW_COLUMNS},
  CASE WHEN t.dependency_seqs IS NULL THEN '[[],[]]' ELSE
    (SELECT json_array(json_group_array(u.id), json_group_array(u.id) FILTER (WHERE u.status IN ('queued', 'running')))
     FROM json_each(t.dependency_seqs) AS d JOIN tasks AS u ON u.seq = d.value) END AS dependencies`;

/** Maps a row to the domain type. The row was written by this code, so it is trusted. */
export function taskFromRow(row: TaskRow): Task {
  const [dependsOn, waitingFor] = JSON.parse(row.dependencies) as [string[], string[]];
  return taskFromColumns(row, { dependsOn, waitingFor });
}

/** Maps a task's own columns and its dependencies to the domain type. */
export function taskFromColumns(row: TaskColumnsRow, { dependsOn, waitingFor }: TaskDependencyIds): Task {
  const status = row.status as TaskStatus;
  return {
    id: row.id,
    seq: row.seq,
    prompt: row.prompt,
    agent: row.agent as Task['agent'],
    agentOptions: JSON.parse(row.agent_options) as AgentOptions,
    cwd: row.cwd,
    priority: priorityFromRank(row.priority),
    timeoutMs: row.timeout_ms,
    labels: JSON.parse(row.labels) as string[],
    dependsOn: dependsOn.sort(),
    // Only a queued task is blocked; what it waits for are its dependencies not yet ended.
    blockedBy: status === 'queued' ? waitingFor.sort() : [],
    dependencyPolicy: row.dependency_policy as Task['dependencyPolicy'],
    passDependencyResults: row.pass_dependency_results === 1,
    notify: row.notify === null ? null : row.notify === 1,
    status,
    failureReason: row.failure_reason as FailureReason | null,
    statusDetail: row.status_detail,
    attempt: row.attempt,
    maxRetries: row.max_retries,
    notBefore: row.not_before,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    owner: row.owner,
    pid: row.pid,
    pidStartTime: row.pid_start_time,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequestedAt: row.cancel_requested_at,
    exitCode: row.exit_code,
    signal: row.signal,
    report: row.report === null ? null : (JSON.parse(row.report) as AgentReport),
    warnedAt: row.warned_at,
    outputTruncated: row.output_truncated === 1,
    worktree: worktreeFromRow(row),
  };
}

function worktreeFromRow(row: TaskColumnsRow): TaskWorktree | null {
  if (row.worktree === null) return null;
  const asked = JSON.parse(row.worktree) as NewTaskWorktree;
  return {
    request: asked.request,
    path: asked.path,
    setup: asked.setup,
    stackedOn: asked.stackedOn ?? null,
    result: row.worktree_result === null ? null : (JSON.parse(row.worktree_result) as TaskWorktree['result']),
    merge: row.worktree_merge === null ? null : (JSON.parse(row.worktree_merge) as TaskWorktree['merge']),
    removedAt: row.worktree_removed_at,
  };
}
