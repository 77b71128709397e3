import { AGENT_KINDS, DEPENDENCY_POLICIES, FAILURE_REASONS, PRIORITIES, TASK_STATUSES, type Task } from '@claudine/core';
import { z } from 'zod';

const RESULT_LIMIT = 4000;
const PROMPT_LIMIT = 300;

/** What tools return about a task: enough to decide what to do next, and no more. */
export const TaskSummarySchema = z.object({
  id: z.string(),
  status: z.enum(TASK_STATUSES),
  agent: z.enum(AGENT_KINDS),
  priority: z.enum(PRIORITIES),
  prompt: z.string().describe('The prompt, cut to 300 characters.'),
  cwd: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  attempt: z.number(),
  failureReason: z.enum(FAILURE_REASONS).nullable(),
  detail: z.string().nullable().describe('Why the task is in its state (cancel reason, error, ...).'),
  exitCode: z.number().nullable(),
  dependsOn: z.array(z.string()),
  blockedBy: z.array(z.string()).describe('For a queued task, the dependencies it still waits for: it is blocked while this is not empty.'),
  dependencyPolicy: z.enum(DEPENDENCY_POLICIES).describe('What it does if a dependency fails: fail, cancel, or run anyway.'),
  result: z.string().nullable().describe("The agent's final answer (claude/codex), cut to 4000 characters."),
  sessionId: z.string().nullable().describe('Claude session id, to resume the conversation.'),
  turns: z.number().nullable(),
  costUsd: z.number().nullable(),
});
/** A compact task; see {@link TaskSummarySchema}. */
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

/** Summarises a task for a model's context. */
export function summarizeTask(task: Task, now = Date.now()): TaskSummary {
  const result = task.report?.resultText ?? null;
  return {
    id: task.id,
    status: task.status,
    agent: task.agent,
    priority: task.priority,
    prompt: cut(task.prompt, PROMPT_LIMIT),
    cwd: task.cwd,
    createdAt: new Date(task.createdAt).toISOString(),
    startedAt: task.startedAt === null ? null : new Date(task.startedAt).toISOString(),
    finishedAt: task.finishedAt === null ? null : new Date(task.finishedAt).toISOString(),
    durationMs: task.startedAt === null ? null : (task.finishedAt ?? now) - task.startedAt,
    attempt: task.attempt,
    failureReason: task.failureReason,
    detail: task.statusDetail,
    exitCode: task.exitCode,
    dependsOn: task.dependsOn,
    blockedBy: task.blockedBy,
    dependencyPolicy: task.dependencyPolicy,
    result: result === null ? null : cut(result, RESULT_LIMIT),
    sessionId: task.report?.sessionId ?? null,
    turns: task.report?.turns ?? null,
    costUsd: task.report?.costUsd ?? null,
  };
}

/** One line for people (and models) skimming a tool result. */
export function describeTask(task: Task): string {
  const blocked = task.status === 'queued' && task.blockedBy.length > 0;
  const detail = blocked ? ` (waiting for ${task.blockedBy.join(', ')})` : task.statusDetail === null ? '' : ` (${task.statusDetail})`;
  return `Task ${task.id} [${task.agent}, ${task.priority}] is ${blocked ? 'blocked' : task.status}${detail}: ${cut(task.prompt, 80)}`;
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
