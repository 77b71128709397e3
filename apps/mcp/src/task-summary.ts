import { AGENT_KINDS, DEPENDENCY_POLICIES, FAILURE_REASONS, PRIORITIES, TASK_STATUSES, type Task } from '@claudine/core';
import { graphNodeState, taskTitle } from '@claudine/runtime';
import * as z from 'zod';

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
  hostGone: z
    .boolean()
    .describe('True for a running task whose host died: nothing watches it until a new host (started for it) recovers it.'),
  dependencyPolicy: z.enum(DEPENDENCY_POLICIES).describe('What it does if a dependency fails: fail, cancel, or run anyway.'),
  labels: z.array(z.string()),
  warnedAt: z.string().nullable().describe('When the task passed the warning point of its timeout, if it did.'),
  result: z.string().nullable().describe("The agent's final answer (claude/codex), cut to 4000 characters (300 in lists)."),
  sessionId: z.string().nullable().describe('Claude session id, to resume the conversation.'),
  turns: z.number().nullable(),
  costUsd: z.number().nullable(),
  worktree: z
    .object({
      branch: z.string(),
      path: z.string(),
      repository: z.string(),
      baseCommit: z.string(),
      headCommit: z.string().nullable().describe('The head of its branch when it last ended (what it left is committed there).'),
      filesChanged: z.number().nullable(),
      insertions: z.number().nullable(),
      deletions: z.number().nullable(),
      mergedInto: z.string().nullable().describe('The branch MergeTask merged it into, if it did.'),
      removed: z.boolean().describe('True once its worktree was removed (its branch may remain).'),
    })
    .nullable()
    .describe('For a task run in its own git worktree: its branch and change; null otherwise.'),
});
/** A compact task; see {@link TaskSummarySchema}. */
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

/** Summarises a task for a model's context; `resultLimit` cuts the final answer shorter (lists). */
export function summarizeTask(
  task: Task,
  options: { readonly resultLimit?: number; readonly now?: number; readonly hostGone?: boolean } = {},
): TaskSummary {
  const result = task.report?.resultText ?? null;
  const now = options.now ?? Date.now();
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
    hostGone: options.hostGone === true && task.status === 'running',
    dependencyPolicy: task.dependencyPolicy,
    labels: task.labels,
    warnedAt: task.warnedAt === null ? null : new Date(task.warnedAt).toISOString(),
    result: result === null ? null : cut(result, options.resultLimit ?? RESULT_LIMIT),
    sessionId: task.report?.sessionId ?? null,
    turns: task.report?.turns ?? null,
    costUsd: task.report?.costUsd ?? null,
    worktree: worktreeSummary(task),
  };
}

function worktreeSummary(task: Task): TaskSummary['worktree'] {
  const worktree = task.worktree;
  if (worktree === null) return null;
  return {
    branch: worktree.request.branch,
    path: worktree.path,
    repository: worktree.request.repository,
    baseCommit: worktree.request.baseCommit,
    headCommit: worktree.result?.headCommit ?? null,
    filesChanged: worktree.result?.filesChanged ?? null,
    insertions: worktree.result?.insertions ?? null,
    deletions: worktree.result?.deletions ?? null,
    mergedInto: worktree.merge?.target ?? null,
    removed: worktree.removedAt !== null,
  };
}

/** One line for people (and models) skimming a tool result; `hostGone` for a running task whose host died. */
export function describeTask(task: Task, hostGone = false): string {
  const blocked = task.status === 'queued' && task.blockedBy.length > 0;
  const orphaned = hostGone && task.status === 'running';
  const detail = blocked
    ? ` (waiting for ${task.blockedBy.join(', ')})`
    : orphaned
      ? ' (its host died; a new host is recovering it)'
      : task.statusDetail === null
        ? ''
        : ` (${task.statusDetail})`;
  return `Task ${task.id} [${task.agent}, ${task.priority}] is ${blocked ? 'blocked' : orphaned ? 'running with no host' : task.status}${detail}: ${cut(task.prompt, 80)}`;
}

/** One task in a list: a line's worth, to find the task and decide whether to look closer. */
export const TaskRowSchema = z.object({
  id: z.string(),
  state: z.enum([...TASK_STATUSES, 'blocked']).describe('The status, or "blocked" for a queued task still waiting for dependencies.'),
  agent: z.enum(AGENT_KINDS),
  priority: z.enum(PRIORITIES),
  title: z.string().describe('The start of the prompt.'),
  labels: z.array(z.string()),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  failureReason: z.enum(FAILURE_REASONS).nullable(),
  costUsd: z.number().nullable(),
  hostGone: z.boolean().describe('True for a running task whose host died (a new host is started to recover it).'),
});
/** A task in a list; see {@link TaskRowSchema}. */
export type TaskRow = z.infer<typeof TaskRowSchema>;

/** The row of a task in a list; `hostGone` for a running task whose host died. */
export function taskRow(task: Task, hostGone = false): TaskRow {
  return {
    id: task.id,
    state: graphNodeState(task),
    agent: task.agent,
    priority: task.priority,
    title: taskTitle(task, 100),
    labels: task.labels,
    createdAt: new Date(task.createdAt).toISOString(),
    finishedAt: task.finishedAt === null ? null : new Date(task.finishedAt).toISOString(),
    failureReason: task.failureReason,
    costUsd: task.report?.costUsd ?? null,
    hostGone: hostGone && task.status === 'running',
  };
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
