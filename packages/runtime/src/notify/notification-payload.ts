import type { AgentOptions, AgentReport, Task, TaskStatus } from '@claudine/core';
import { formatDuration } from '@claudine/core';
import { taskTitle } from '../present/graph-export.js';
import type { NotificationEvent, WorkflowOutcome } from './notification-event.js';

// Prompts and results can be a mebibyte: a notification carries the start of them (the whole
// is one `claudine status <id>` away), so a chat webhook is not handed megabytes.
const MAX_TEXT_CHARACTERS = 4000;
const TITLE_CHARACTERS = 120;

/**
 * A task as notifications carry it: the stored task, except that its environment variables are
 * named but not valued (they are how secrets reach an agent) and its prompt and result text are
 * cut to their first few thousand characters (`promptTruncated`, `resultTruncated` say so).
 */
export type NotifiedTask = Omit<Task, 'agentOptions' | 'report'> & {
  readonly agentOptions: Omit<AgentOptions, 'env'>;
  readonly environmentNames: readonly string[];
  readonly report: AgentReport | null;
  readonly promptTruncated: boolean;
  readonly resultTruncated: boolean;
};

/** What every channel sends: the webhook's JSON body and the command hook's stdin. */
export interface NotificationPayload {
  /** `completed`, `failed`, `timed_out`, `cancelled` or `workflow`. */
  readonly event: NotificationEvent['kind'];
  /** One line for people: what Slack and similar incoming webhooks show. */
  readonly text: string;
  /** A short headline (a desktop notification's summary). */
  readonly title: string;
  /** When it happened, ISO 8601. */
  readonly at: string;
  /** The task that ended (for a workflow, the one whose end ended it). */
  readonly task: NotifiedTask;
  /** For a workflow event: its first task's id, how it ended and its tasks by state; else null. */
  readonly workflow: {
    readonly id: string;
    readonly outcome: WorkflowOutcome;
    readonly tasks: number;
    readonly counts: Readonly<Record<TaskStatus, number>>;
  } | null;
}

/** The payload of `event`. */
export function notificationPayload(event: NotificationEvent): NotificationPayload {
  return {
    event: event.kind,
    text: notificationText(event),
    title: notificationTitle(event),
    at: new Date(event.at).toISOString(),
    task: notifiedTask(event.task),
    workflow:
      event.kind === 'workflow'
        ? { id: event.workflow.firstTaskId, outcome: event.workflow.outcome, tasks: event.workflow.tasks, counts: event.workflow.counts }
        : null,
  };
}

/** A headline: `Claudine: task 3k9x2m4qab failed`, `Claudine: workflow 3k9x2m4qab completed`. */
export function notificationTitle(event: NotificationEvent): string {
  if (event.kind === 'workflow') return `Claudine: workflow ${event.workflow.firstTaskId} ${event.workflow.outcome}`;
  const verb = event.kind === 'timed_out' ? 'timed out' : event.kind === 'cancelled' ? 'was cancelled' : event.kind;
  return `Claudine: task ${event.task.id} ${verb}`;
}

/** One line saying what happened, with the task's title and why it ended the way it did. */
export function notificationText(event: NotificationEvent): string {
  const { task } = event;
  const title = taskTitle(task, TITLE_CHARACTERS);
  if (event.kind === 'workflow') {
    const { counts, tasks } = event.workflow;
    const parts = (['completed', 'failed', 'cancelled'] as const)
      .filter((status) => counts[status] > 0)
      .map((status) => `${counts[status]} ${status}`);
    return `${notificationTitle(event)}: ${tasks} tasks (${parts.join(', ')}); the last, ${task.id}, ${task.status}: ${title}`;
  }
  const ran = task.startedAt !== null && task.finishedAt !== null ? formatDuration(task.finishedAt - task.startedAt) : undefined;
  const head = notificationTitle(event);
  switch (event.kind) {
    case 'completed':
      return `${head}${ran === undefined ? '' : ` in ${ran}`}: ${title}`;
    case 'timed_out':
      return `${head} after ${formatDuration(task.timeoutMs)}: ${title}`;
    case 'failed':
      return `${head} (${task.statusDetail ?? task.failureReason ?? 'failed'})${ran === undefined ? '' : ` after ${ran}`}: ${title}`;
    case 'cancelled':
      return `${head}${task.statusDetail === null ? '' : ` (${task.statusDetail})`}: ${title}`;
  }
}

/** See {@link NotifiedTask}. */
export function notifiedTask(task: Task): NotifiedTask {
  const { env, ...agentOptions } = task.agentOptions;
  const resultText = task.report?.resultText ?? null;
  return {
    ...task,
    prompt: cut(task.prompt),
    agentOptions,
    environmentNames: Object.keys(env ?? {}).sort(),
    report: task.report === null ? null : { ...task.report, resultText: resultText === null ? null : cut(resultText) },
    promptTruncated: task.prompt.length > MAX_TEXT_CHARACTERS,
    resultTruncated: resultText !== null && resultText.length > MAX_TEXT_CHARACTERS,
  };
}

function cut(text: string): string {
  return text.length <= MAX_TEXT_CHARACTERS ? text : text.slice(0, MAX_TEXT_CHARACTERS);
}
