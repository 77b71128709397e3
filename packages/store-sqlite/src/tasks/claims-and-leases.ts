import {
  type ClaimBudget,
  type ClaimRequest,
  type ProcessIdentity,
  type Task,
  type TaskEvent,
  type TaskStatus,
  transition,
  type UpdateTaskError,
} from '@claudine/core';
import type { StoreContext } from '../store-context.js';
import { loadTask } from './task-queries.js';

// How a host takes a task and keeps it: the claim, the lease it renews, what it records of the
// running process, and the ownership check every later write of the owner goes through.

/** See `TaskStore.claimNext`. Runs in the caller's `BEGIN IMMEDIATE` transaction. */
export function claimNext(context: StoreContext, request: ClaimRequest): Task | undefined {
  const { sql } = context;
  const running = sql.get<{ n: number }>('tasks.running', "SELECT COUNT(*) AS n FROM tasks WHERE status = 'running'");
  if ((running?.n ?? 0) >= request.maxRunning) return undefined;
  // Tasks of agents whose budget is spent stay queued; the others are claimed as usual.
  const skipped = request.budget !== undefined && budgetSpent(context, request.budget) ? request.budget.agents : [];
  const next = sql.get<{ id: string; attempt: number }>(
    'tasks.next',
    // INDEXED BY: without statistics the planner would sort every queued task; the partial index
    // is already in claim order (priority, then first in first out), so the first match is it.
    `SELECT id, attempt FROM tasks INDEXED BY tasks_ready
     WHERE status = 'queued' AND pending_dependencies = 0 AND (not_before IS NULL OR not_before <= ?)
       AND agent NOT IN (SELECT value FROM json_each(?))
     ORDER BY priority, seq LIMIT 1`,
    request.now,
    JSON.stringify(skipped),
  );
  if (next === undefined) return undefined;
  sql.run(
    'tasks.claim',
    `UPDATE tasks SET status = 'running', owner = ?, lease_expires_at = ?, started_at = ?, updated_at = ?,
       attempt = attempt + 1, not_before = NULL, pid = NULL, pid_start_time = NULL, finished_at = NULL,
       failure_reason = NULL, status_detail = NULL, exit_code = NULL, signal = NULL, warned_at = NULL,
       cancel_requested_at = NULL
     WHERE id = ? AND status = 'queued'`,
    request.owner,
    request.leaseExpiresAt,
    request.now,
    request.now,
    next.id,
  );
  sql.run(
    'attempts.insert',
    'INSERT OR REPLACE INTO task_attempts (task_id, attempt, owner, started_at) VALUES (?, ?, ?, ?)',
    next.id,
    next.attempt + 1,
    request.owner,
    request.now,
  );
  return loadTask(context, next.id);
}

function budgetSpent(context: StoreContext, budget: ClaimBudget): boolean {
  const row = context.sql.get<{ spent: number }>(
    'metrics.spentSince',
    'SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM task_metrics WHERE finished_at >= ? AND cost_usd IS NOT NULL',
    budget.since,
  );
  return (row?.spent ?? 0) >= budget.maxCostUsd;
}

/** See `TaskStore.renewLeases`; also the owner's heartbeat in the host registry. */
export function renewLeases(context: StoreContext, owner: string, leaseExpiresAt: number, now: number): string[] {
  context.sql.run('hosts.heartbeat', 'UPDATE hosts SET heartbeat_at = ? WHERE id = ?', now, owner);
  return context.sql
    .all<{ id: string }>(
      'tasks.renew',
      "UPDATE tasks SET lease_expires_at = ? WHERE owner = ? AND status = 'running' RETURNING id",
      leaseExpiresAt,
      owner,
    )
    .map((row) => row.id);
}

/** See `TaskStore.recordProcess`. */
export function recordProcess(context: StoreContext, id: string, owner: string, process: ProcessIdentity, now: number): boolean {
  const info = context.sql.run(
    'tasks.recordProcess',
    "UPDATE tasks SET pid = ?, pid_start_time = ?, updated_at = ? WHERE id = ? AND owner = ? AND status = 'running'",
    process.pid,
    process.startTime,
    now,
    id,
    owner,
  );
  return info.changes === 1;
}

/** See `TaskStore.recordWarning`. */
export function recordWarning(context: StoreContext, id: string, owner: string, now: number): void {
  context.sql.run(
    'tasks.warn',
    "UPDATE tasks SET warned_at = ?, updated_at = ? WHERE id = ? AND owner = ? AND status = 'running'",
    now,
    now,
    id,
    owner,
  );
}

/**
 * Why `owner` may not apply `event` to task `id` (unknown task, illegal transition, or the lease
 * is no longer its own), or undefined when it may.
 */
export function checkOwned(context: StoreContext, id: string, owner: string, event: TaskEvent): UpdateTaskError | undefined {
  const row = context.sql.get<{ status: TaskStatus; owner: string | null }>(
    'tasks.ownerOf',
    'SELECT status, owner FROM tasks WHERE id = ?',
    id,
  );
  if (row === undefined) return { kind: 'not_found', id, message: `no task has id ${id}` };
  const allowed = transition(row.status, event);
  if (!allowed.ok) return allowed.error;
  if (row.status !== 'running' || row.owner !== owner) {
    return {
      kind: 'not_owner',
      id,
      owner: row.owner,
      message: `task ${id} is held by ${row.owner ?? 'no host'}, not ${owner}: its lease was lost`,
    };
  }
  return undefined;
}
