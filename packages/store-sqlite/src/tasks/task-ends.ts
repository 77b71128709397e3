import {
  err,
  ok,
  type RequeueRequest,
  type Result,
  type Task,
  type TaskEvent,
  type TaskOutcome,
  type UpdateTaskError,
} from '@claudine/core';
import { propagateEnd } from '../dependencies/dependency-propagation.js';
import type { StoreContext } from '../store-context.js';
import { checkOwned } from './claims-and-leases.js';
import { cancelInsteadOfRequeue } from './requested-cancel.js';
import { loadTask } from './task-queries.js';

// The owner's record of how a run ended: a final state, or back in the queue for a retry.

/** See `TaskStore.finish`. Runs in the caller's `BEGIN IMMEDIATE` transaction. */
export function finishTask(context: StoreContext, id: string, owner: string, outcome: TaskOutcome): Result<Task, UpdateTaskError> {
  const event: TaskEvent = outcome.status === 'completed' ? 'complete' : outcome.status === 'failed' ? 'fail' : 'cancel';
  const refused = checkOwned(context, id, owner, event);
  if (refused !== undefined) return err(refused);
  context.sql.run(
    'tasks.finish',
    `UPDATE tasks SET status = ?, failure_reason = ?, status_detail = ?, exit_code = ?, signal = ?, report = ?,
       output_truncated = ?, finished_at = ?, updated_at = ?, owner = NULL, lease_expires_at = NULL
     WHERE id = ? AND owner = ? AND status = 'running'`,
    outcome.status,
    outcome.failureReason,
    outcome.statusDetail,
    outcome.exitCode,
    outcome.signal,
    outcome.report === null ? null : JSON.stringify(outcome.report),
    outcome.outputTruncated ? 1 : 0,
    outcome.finishedAt,
    outcome.finishedAt,
    id,
    owner,
  );
  closeAttempt(
    context,
    id,
    outcome.status,
    outcome.failureReason,
    outcome.statusDetail,
    outcome.exitCode,
    outcome.signal,
    outcome.finishedAt,
  );
  // Dependents learn of the end in the same transaction: readiness for a completion (time in the
  // number of direct dependents), each dependent's policy for a failure.
  propagateEnd(context, id, outcome.status, outcome.finishedAt);
  return ok(loadTask(context, id));
}

/** See `TaskStore.requeue`. Runs in the caller's `BEGIN IMMEDIATE` transaction. */
export function requeueTask(context: StoreContext, id: string, owner: string, request: RequeueRequest): Result<Task, UpdateTaskError> {
  const refused = checkOwned(context, id, owner, 'requeue');
  if (refused !== undefined) return err(refused);
  // A cancel asked for while it ran is never undone by putting it back in the queue.
  const cancelled = cancelInsteadOfRequeue(context.sql, id, request);
  if (cancelled !== undefined) return finishTask(context, id, owner, cancelled);
  context.sql.run(
    'tasks.requeue',
    `UPDATE tasks SET status = 'queued', not_before = ?, status_detail = ?, exit_code = ?, signal = ?, report = ?,
       updated_at = ?, owner = NULL, lease_expires_at = NULL, pid = NULL, pid_start_time = NULL
     WHERE id = ? AND owner = ? AND status = 'running'`,
    request.notBefore,
    request.statusDetail,
    request.exitCode,
    request.signal,
    request.report === null ? null : JSON.stringify(request.report),
    request.now,
    id,
    owner,
  );
  closeAttempt(context, id, 'requeued', null, request.statusDetail, request.exitCode, request.signal, request.now);
  return ok(loadTask(context, id));
}

function closeAttempt(
  context: StoreContext,
  id: string,
  outcome: string,
  failureReason: string | null,
  detail: string | null,
  exitCode: number | null,
  signal: string | null,
  at: number,
): void {
  context.sql.run(
    'attempts.close',
    `UPDATE task_attempts SET finished_at = ?, outcome = ?, failure_reason = ?, detail = ?, exit_code = ?, signal = ?
     WHERE task_id = ? AND attempt = (SELECT attempt FROM tasks WHERE id = ?)`,
    at,
    outcome,
    failureReason,
    detail,
    exitCode,
    signal,
    id,
    id,
  );
}
