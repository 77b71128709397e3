import {
  assessDependencies,
  type CancelOutcome,
  err,
  ok,
  planDependencyRetry,
  type Result,
  type RetryChange,
  type RetryTaskError,
  type Task,
  transition,
  type UpdateTaskError,
} from '@claudine/core';
import { applyRetryPlan, propagateEnd } from '../dependencies/dependency-propagation.js';
import { dependencyStates, planningView, taskDependencyState } from '../dependencies/dependency-reads.js';
import type { StoreContext } from '../store-context.js';
import { replacePrompt } from './received-prompts.js';
import { findTask, loadTask } from './task-queries.js';

// What anyone (not only the owner) may ask of a task: stop it, or run it again.

/** See `TaskStore.requestCancel`. Runs in the caller's `BEGIN IMMEDIATE` transaction. */
export function requestCancel(
  context: StoreContext,
  id: string,
  reason: string | null,
  now: number,
): Result<CancelOutcome, UpdateTaskError> {
  const task = findTask(context, id);
  if (task === undefined) return err({ kind: 'not_found', id, message: `no task has id ${id}` });
  const allowed = transition(task.status, 'cancel');
  if (!allowed.ok) return err(allowed.error);
  const detail = reason ?? 'cancelled on request';
  if (task.status === 'queued') {
    context.sql.run(
      'tasks.cancelQueued',
      `UPDATE tasks SET status = 'cancelled', failure_reason = 'cancelled', status_detail = ?, finished_at = ?,
         updated_at = ?, not_before = NULL
       WHERE id = ? AND status = 'queued'`,
      detail,
      now,
      now,
      id,
    );
    propagateEnd(context, id, 'cancelled', now);
    return ok({ kind: 'cancelled', task: loadTask(context, id) });
  }
  context.sql.run(
    'tasks.requestCancel',
    "UPDATE tasks SET cancel_requested_at = ?, status_detail = ?, updated_at = ? WHERE id = ? AND status = 'running'",
    now,
    detail,
    now,
    id,
  );
  return ok({ kind: 'requested', task: loadTask(context, id) });
}

/** See `TaskStore.retry`. Runs in the caller's `BEGIN IMMEDIATE` transaction. */
export function retryTask(context: StoreContext, id: string, now: number, change: RetryChange = {}): Result<Task, RetryTaskError> {
  const task = taskDependencyState(context, id);
  if (task === undefined) return err({ kind: 'not_found', id, message: `no task has id ${id}` });
  const allowed = transition(task.status, 'retry');
  if (!allowed.ok) return err(allowed.error);
  const broken = assessDependencies(task.policy, dependencyStates(context, id)).broken;
  if (broken !== undefined) {
    return err({
      kind: 'dependency_failed',
      id,
      dependency: broken.id,
      message: `task ${id} cannot run again while its dependency ${broken.id} is ${broken.status}: retry ${broken.id} instead (the tasks that ended because of it are re-queued with it), or remove that dependency first.`,
    });
  }
  if (change.prompt !== undefined) replacePrompt(context.sql, id, change.prompt);
  applyRetryPlan(context, id, planDependencyRetry(planningView(context), id), now);
  return ok(loadTask(context, id));
}
