import type { Task } from '@claudine/core';
import type { WorkflowSummary } from '@claudine/store-sqlite';
import type { NotifyEventKind } from './notify-settings.js';

/** The kinds of event about one task's end. */
export type TaskEventKind = Exclude<NotifyEventKind, 'workflow'>;

/** A task ended: completed, failed (`timed_out` when by its timeout) or cancelled. */
export interface TaskEndEvent {
  readonly kind: TaskEventKind;
  readonly task: Task;
  /** When it ended. */
  readonly at: number;
}

/** How a workflow ended: completed when every task did, else failed when any did, else cancelled. */
export type WorkflowOutcome = 'completed' | 'failed' | 'cancelled';

/** The tasks linked to one another by dependencies, counted by state: the store's summary of them. */
export type WorkflowCounts = WorkflowSummary;

/** Every task of a workflow has ended; `task` is the one whose end ended it. */
export interface WorkflowEndEvent {
  readonly kind: 'workflow';
  readonly task: Task;
  readonly workflow: WorkflowCounts & { readonly outcome: WorkflowOutcome };
  readonly at: number;
}

/** Something a notification is sent for. */
export type NotificationEvent = TaskEndEvent | WorkflowEndEvent;

/** The event a finished task gives, or undefined for a task that has not finished. */
export function taskEndEvent(task: Task, now: number): TaskEndEvent | undefined {
  const kind = taskEventKind(task);
  return kind === undefined ? undefined : { kind, task, at: task.finishedAt ?? now };
}

/** `timed_out` for a failure by timeout, else the task's terminal state; undefined while it has not ended. */
export function taskEventKind(task: Task): TaskEventKind | undefined {
  if (task.status === 'completed' || task.status === 'cancelled') return task.status;
  if (task.status === 'failed') return task.failureReason === 'timeout' ? 'timed_out' : 'failed';
  return undefined;
}

/**
 * The event of a workflow that `task`'s end may have ended: undefined unless the task is linked
 * to another one and no task of the workflow is queued or running any more.
 */
export function workflowEndEvent(task: Task, workflow: WorkflowCounts, now: number): WorkflowEndEvent | undefined {
  if (workflow.tasks < 2 || workflow.counts.queued + workflow.counts.running > 0) return undefined;
  const outcome: WorkflowOutcome =
    workflow.counts.completed === workflow.tasks ? 'completed' : workflow.counts.failed > 0 ? 'failed' : 'cancelled';
  return { kind: 'workflow', task, workflow: { ...workflow, outcome }, at: workflow.lastFinishedAt ?? now };
}
