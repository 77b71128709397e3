import { assessDependencies, type DependencyAssessment, planDependencyEnd, type RetryPlan } from '@claudine/core';
import type { StoreContext } from '../store-context.js';
import { dependencyStates, planningView, taskDependencyState } from './dependency-reads.js';

// What a task's end does to the tasks that wait for it, applied in the transaction of the end.
//
// `tasks.pending_dependencies` counts, for a queued task, the dependencies it still waits for:
// those queued or running (a completed one is settled, and so is one that failed or was
// cancelled when the task's policy is `run`; under the other policies such a dependency ends the
// task at once). The claim query reads only that column, so readiness is never a scan.

/**
 * Records what the end of `id` means for its dependents: a completion settles each queued one
 * (core's `dependencyBearing` settles a completed dependency under every policy); a failure or a
 * cancellation follows core's `planDependencyEnd`. Returns how many tasks it ended.
 */
export function propagateEnd(context: StoreContext, id: string, status: 'completed' | 'failed' | 'cancelled', now: number): number {
  if (status === 'completed') {
    releaseDependents(context, id, now);
    return 0;
  }
  let ended = 0;
  for (const effect of planDependencyEnd(planningView(context), { taskId: id, status })) {
    if (effect.kind === 'settle') {
      context.sql.run(
        'dependents.settle',
        `UPDATE tasks SET pending_dependencies = pending_dependencies - 1, updated_at = ? WHERE id = ? AND status = 'queued'`,
        now,
        effect.taskId,
      );
      continue;
    }
    endByDependency(context, effect.taskId, effect.kind === 'fail' ? 'failed' : 'cancelled', effect.detail, now);
    ended += 1;
  }
  return ended;
}

// A completion: its queued dependents wait for one fewer. Time in its number of dependents.
function releaseDependents(context: StoreContext, id: string, now: number): void {
  // Driven from `task_dependents` and updated by rowid. The plain form (`WHERE status = 'queued'
  // AND seq IN (...)`) lets SQLite walk every queued task through the status index instead: a
  // cost that grows with the queue, which `pnpm bench dag-readiness` would show.
  context.sql.run(
    'dependents.release',
    `UPDATE tasks SET pending_dependencies = pending_dependencies - 1, updated_at = ?
     WHERE seq IN (SELECT t.seq FROM task_dependents AS d JOIN tasks AS t ON t.seq = d.task_seq
                   WHERE d.depends_on_seq = (SELECT seq FROM tasks WHERE id = ?) AND t.status = 'queued')`,
    now,
    id,
  );
}

/** Ends a queued task because of a dependency, under its policy (`failed` or `cancelled`). */
export function endByDependency(context: StoreContext, id: string, status: 'failed' | 'cancelled', detail: string, now: number): void {
  // Both policies record the reason `dependency_failed`: it is what a retry of the dependency
  // looks for, and it tells a cancel by policy from a cancel on request.
  context.sql.run(
    'tasks.endByDependency',
    `UPDATE tasks SET status = ?, failure_reason = 'dependency_failed', status_detail = ?, finished_at = ?, updated_at = ?,
       not_before = NULL
     WHERE id = ? AND status = 'queued'`,
    status,
    detail,
    now,
    now,
    id,
  );
}

/** Applies core's `planDependencyRetry` for a retry of `retried`: re-queues, recounts, unsettles. */
export function applyRetryPlan(context: StoreContext, retried: string, plan: RetryPlan, now: number): void {
  for (const requeued of plan.requeue) {
    context.sql.run(
      'tasks.retry',
      `UPDATE tasks SET status = 'queued', failure_reason = NULL, status_detail = ?, finished_at = NULL, not_before = NULL,
         cancel_requested_at = NULL, owner = NULL, lease_expires_at = NULL, pid = NULL, pid_start_time = NULL,
         exit_code = NULL, signal = NULL, report = NULL, warned_at = NULL, updated_at = ?
       WHERE id = ? AND status IN ('failed', 'cancelled')`,
      requeued === retried ? 'retried on request' : `re-queued: it had ended because of task ${retried}, which was retried`,
      now,
      requeued,
    );
  }
  // Counted once every re-queued task is queued again, so they wait for each other.
  for (const requeued of plan.requeue) recountPending(context, requeued, now);
  for (const dependent of plan.unsettle) {
    context.sql.run(
      'dependents.unsettle',
      `UPDATE tasks SET pending_dependencies = pending_dependencies + 1, updated_at = ? WHERE id = ? AND status = 'queued'`,
      now,
      dependent,
    );
  }
}

/**
 * Counts again, from its edges and core's rule, how many dependencies a queued task waits for,
 * and returns the whole assessment (whether a dependency ends it, too).
 */
export function recountPending(context: StoreContext, id: string, now: number): DependencyAssessment | undefined {
  const state = taskDependencyState(context, id);
  if (state === undefined) return undefined;
  const assessment = assessDependencies(state.policy, dependencyStates(context, id));
  context.sql.run(
    'tasks.setPending',
    'UPDATE tasks SET pending_dependencies = ?, updated_at = ? WHERE id = ?',
    assessment.pending,
    now,
    id,
  );
  return assessment;
}
