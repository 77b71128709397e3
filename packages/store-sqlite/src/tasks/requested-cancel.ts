import type { RequeueRequest, TaskOutcome } from '@claudine/core';
import type { PreparedStatements } from '../database/prepared-statements.js';

/**
 * When a running task about to be put back in the queue (a transient failure, a crash found by
 * recovery) had a cancel requested, the end to record instead: `cancelled`, with the cancel's
 * reason. Undefined when no cancel was asked for. Called inside the requeue's transaction, so
 * a cancel that lands while the task runs is never undone.
 */
export function cancelInsteadOfRequeue(sql: PreparedStatements, id: string, request: RequeueRequest): TaskOutcome | undefined {
  const row = sql.get<{ at: number | null; detail: string | null }>(
    'tasks.cancelRequested',
    'SELECT cancel_requested_at AS at, status_detail AS detail FROM tasks WHERE id = ?',
    id,
  );
  if (row === undefined || row.at === null) return undefined;
  return {
    status: 'cancelled',
    failureReason: 'cancelled',
    statusDetail: row.detail ?? 'cancelled on request',
    exitCode: request.exitCode,
    signal: request.signal,
    report: request.report,
    outputTruncated: false,
    finishedAt: request.now,
  };
}
