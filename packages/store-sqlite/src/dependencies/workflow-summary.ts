import type { TaskStatus } from '@claudine/core';
import type { StoreContext } from '../store-context.js';
import { workflowWalk } from './workflow-walk.js';

/**
 * The tasks linked to one task by dependencies (in either direction), counted rather than read:
 * enough to tell whether the workflow as a whole has ended, without loading its tasks.
 */
export interface WorkflowSummary {
  /** The workflow's first task in submission order: a stable name for it. */
  readonly firstTaskId: string;
  /** How many tasks it has (1 for a task linked to no other). */
  readonly tasks: number;
  readonly counts: Readonly<Record<TaskStatus, number>>;
  /** When its last task finished (null while none has). */
  readonly lastFinishedAt: number | null;
  /** Tasks that asked for notifications (`notify` true), and tasks that refused them (false). */
  readonly notifyOn: number;
  readonly notifyOff: number;
}

interface SummaryRow {
  first_seq: number | null;
  tasks: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  last_finished_at: number | null;
  notify_on: number;
  notify_off: number;
}

/** See `SqliteTaskStore.workflowSummary`. Undefined for an unknown task. */
export function readWorkflowSummary(context: StoreContext, taskId: string): WorkflowSummary | undefined {
  // The same walk as the graph query, aggregated over the status column alone: no task row is
  // built, so a large workflow costs its edges, not its prompts.
  const row = context.sql.get<SummaryRow>(
    'workflow.summary',
    `${workflowWalk('SELECT seq FROM tasks WHERE id = ?')}
     SELECT min(t.seq) AS first_seq, count(*) AS tasks,
       coalesce(sum(t.status = 'queued'), 0) AS queued, coalesce(sum(t.status = 'running'), 0) AS running,
       coalesce(sum(t.status = 'completed'), 0) AS completed, coalesce(sum(t.status = 'failed'), 0) AS failed,
       coalesce(sum(t.status = 'cancelled'), 0) AS cancelled, max(t.finished_at) AS last_finished_at,
       coalesce(sum(t.notify = 1), 0) AS notify_on, coalesce(sum(t.notify = 0), 0) AS notify_off
     FROM workflow AS w CROSS JOIN tasks AS t ON t.seq = w.seq`,
    taskId,
  );
  if (row === undefined || row.first_seq === null) return undefined;
  const firstTaskId = context.sql.pluck<string>('workflow.firstId', 'SELECT id FROM tasks WHERE seq = ?', row.first_seq)[0];
  if (firstTaskId === undefined) return undefined;
  return {
    firstTaskId,
    tasks: row.tasks,
    counts: { queued: row.queued, running: row.running, completed: row.completed, failed: row.failed, cancelled: row.cancelled },
    lastFinishedAt: row.last_finished_at,
    notifyOn: row.notify_on,
    notifyOff: row.notify_off,
  };
}
