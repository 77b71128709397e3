import { err, ok, type Result } from './result.js';
import type { TaskStatus } from './task.js';

/** What can happen to a task. Each event is legal only from some states. */
export const TASK_EVENTS = ['claim', 'complete', 'fail', 'cancel', 'requeue', 'retry'] as const;
/** An event in a task's life; see {@link TASK_EVENTS}. */
export type TaskEvent = (typeof TASK_EVENTS)[number];

// The whole state machine. `requeue` puts a running task back (a transient failure with
// retries left, or a crashed owner whose task may be retried); `retry` is a person or agent
// asking to run a failed or cancelled task again.
const TRANSITIONS: Readonly<Record<TaskEvent, { readonly from: readonly TaskStatus[]; readonly to: TaskStatus }>> = {
  claim: { from: ['queued'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
  fail: { from: ['queued', 'running'], to: 'failed' },
  cancel: { from: ['queued', 'running'], to: 'cancelled' },
  requeue: { from: ['running'], to: 'queued' },
  retry: { from: ['failed', 'cancelled'], to: 'queued' },
};

/** A refused transition: the task was not in a state the event may leave. */
export interface IllegalTransition {
  readonly kind: 'illegal_transition';
  readonly from: TaskStatus;
  readonly event: TaskEvent;
  readonly message: string;
}

/** The state `event` moves a task in `from` to, or why it may not. */
export function transition(from: TaskStatus, event: TaskEvent): Result<TaskStatus, IllegalTransition> {
  const rule = TRANSITIONS[event];
  if (rule.from.includes(from)) return ok(rule.to);
  return err({
    kind: 'illegal_transition',
    from,
    event,
    message: `cannot ${event} a task that is ${from} (allowed from ${rule.from.join(' or ')})`,
  });
}

/** The states `event` may leave; stores use it to guard updates (`WHERE status IN (...)`). */
export function statusesAllowing(event: TaskEvent): readonly TaskStatus[] {
  return TRANSITIONS[event].from;
}

/** The state `event` leads to. */
export function statusAfter(event: TaskEvent): TaskStatus {
  return TRANSITIONS[event].to;
}
