// What a user does with a worktree task once it ran: read its diff, merge it, remove its worktree.
import { ClaudineError, isTerminalStatus, type Task, type TaskStore, type TaskWorktree, type WorktreeMergeStrategy } from '@claudine/core';
import type { MergeOutcome, PatchPage, TaskDiffStat, Workspace } from '@claudine/workspace';

/** What the actions read and record. */
export interface WorktreeActionsContext {
  readonly store: Pick<TaskStore, 'get' | 'list' | 'recordWorktreeMerge' | 'recordWorktreeRemoved'>;
  readonly workspace: Workspace;
}

/** Options for {@link taskDiff}. */
export interface TaskDiffOptions {
  /** Only the per-file summary, no patch. */
  readonly stat?: boolean;
  /** Where the page of the patch starts (the previous page's `nextOffset`); default 0. */
  readonly offset?: number;
  /** Most bytes of patch returned; default the workspace's page size. */
  readonly limit?: number;
  /** The branch the diff is against (default: the one checked out in the repository). */
  readonly target?: string;
}

/** A task's change against the point where its branch left the target. */
export interface TaskDiff {
  readonly task: Task;
  readonly stat: TaskDiffStat;
  /** A page of the patch; null with `stat`. */
  readonly page: PatchPage | null;
}

/** Options for {@link mergeTask}. */
export interface MergeOptions {
  /** The branch to merge into (default: the one checked out in the repository). */
  readonly into?: string;
  /** Default `squash`. */
  readonly strategy?: WorktreeMergeStrategy;
  /** Delete the task's branch once merged (default: kept). */
  readonly deleteBranch?: boolean;
}

/** What {@link mergeTask} did. */
export interface TaskMerge {
  /** The task as recorded after the merge. */
  readonly task: Task;
  readonly merge: MergeOutcome;
  /** The worktree was removed (a merged task's is), or why it was kept. */
  readonly worktree: 'removed' | 'already_gone' | { readonly kept: string };
  /** The branch: kept (the default), deleted, or why it could not be deleted. */
  readonly branch: 'kept' | 'deleted' | { readonly kept: string };
}

/** Options for {@link removeTaskWorktree}. */
export interface RemoveOptions {
  /** Delete the branch too even though its work has not landed. */
  readonly force?: boolean;
}

/** What {@link removeTaskWorktree} did. */
export interface TaskWorktreeRemoval {
  readonly task: Task;
  readonly worktree: 'removed' | 'already_gone';
  /** Deleted once its work landed (or with force); else kept, with why. */
  readonly branch: 'deleted' | 'missing' | { readonly kept: string };
}

/**
 * The task's diff: the files it changed and a page of its patch, against the fork point with the
 * target. Throws `invalid_input` for a task without a worktree, `not_found` when its branch or
 * repository is gone (deleted by hand), `conflict` when the target is unrelated.
 */
export async function taskDiff(context: WorktreeActionsContext, task: Task, options: TaskDiffOptions = {}): Promise<TaskDiff> {
  const worktree = requireWorktree(task);
  const request = {
    repository: worktree.request.repository,
    branch: worktree.request.branch,
    ...(options.target === undefined ? {} : { target: options.target }),
  };
  const stat = await context.workspace.diffStat(request);
  if (!stat.ok) throw refusalError(task, stat.error.kind, stat.error.message);
  if (options.stat === true) return { task, stat: stat.value, page: null };
  const page = await context.workspace.patchPage({
    ...request,
    ...(options.offset === undefined ? {} : { offset: options.offset }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  });
  if (!page.ok) throw refusalError(task, page.error.kind, page.error.message);
  return { task, stat: stat.value, page: page.value };
}

/**
 * Merges a finished task's branch into the target (computed first: a conflict, a dirty target or
 * a moved target changes nothing and throws `conflict` with the files in `details`), records the
 * merge, removes the task's worktree and, when asked, deletes its branch. The squash commit's
 * message carries the task's prompt, its summary and its id.
 */
export async function mergeTask(context: WorktreeActionsContext, task: Task, options: MergeOptions = {}): Promise<TaskMerge> {
  const worktree = requireWorktree(task);
  if (!isTerminalStatus(task.status)) {
    throw new ClaudineError(
      'conflict',
      `Task ${task.id} is ${task.status}: its branch is not final until it ends. Wait for it (claudine wait ${task.id}), or cancel it.`,
      { details: { id: task.id, status: task.status } },
    );
  }
  const strategy = options.strategy ?? 'squash';
  const merged = await context.workspace.merge({
    repository: worktree.request.repository,
    branch: worktree.request.branch,
    strategy,
    message: mergeMessage(task),
    ...(options.into === undefined ? {} : { target: options.into }),
  });
  if (!merged.ok) {
    const refusal = merged.error;
    throw refusalError(task, refusal.kind, refusal.message, 'files' in refusal ? { files: refusal.files } : {});
  }
  const outcome = merged.value;
  const now = Date.now();
  let recorded =
    (await context.store.recordWorktreeMerge(task.id, { target: outcome.target, strategy, commit: outcome.commit, mergedAt: now }, now)) ??
    task;
  const removed = await removeWorktreeOf(context, recorded);
  if (removed.task !== undefined) recorded = removed.task;
  let branch: TaskMerge['branch'] = 'kept';
  if (options.deleteBranch === true) {
    const deleted = await context.workspace.deleteBranch({
      repository: worktree.request.repository,
      branch: worktree.request.branch,
      target: outcome.target,
      merged: true,
    });
    branch = deleted.ok || deleted.error.kind === 'branch_missing' ? 'deleted' : { kept: deleted.error.message };
  }
  return { task: recorded, merge: outcome, worktree: removed.outcome, branch };
}

/**
 * Removes a finished task's worktree (once what its agent left is committed, which the end of
 * every task does) and deletes its branch when its work landed: a merge Claudine recorded, or the
 * target contains its commits; otherwise the branch is kept unless `force`. A worktree deleted by
 * hand is `already_gone`. Throws `conflict` for a task still running or a worktree that holds
 * uncommitted work.
 */
export async function removeTaskWorktree(
  context: WorktreeActionsContext,
  task: Task,
  options: RemoveOptions = {},
): Promise<TaskWorktreeRemoval> {
  const worktree = requireWorktree(task);
  if (!isTerminalStatus(task.status)) {
    throw new ClaudineError('conflict', `Task ${task.id} is ${task.status}: cancel it first, or wait for it to end.`, {
      details: { id: task.id, status: task.status },
    });
  }
  const removed = await removeWorktreeOf(context, task);
  if (typeof removed.outcome === 'object') {
    throw new ClaudineError('conflict', `The worktree of task ${task.id} is kept: ${removed.outcome.kept}`, { details: { id: task.id } });
  }
  const deleted = await context.workspace.deleteBranch({
    repository: worktree.request.repository,
    branch: worktree.request.branch,
    ...(worktree.merge === null ? {} : { target: worktree.merge.target, merged: true }),
    ...(options.force === true ? { force: true } : {}),
  });
  const branch: TaskWorktreeRemoval['branch'] = deleted.ok
    ? 'deleted'
    : deleted.error.kind === 'branch_missing'
      ? 'missing'
      : { kept: deleted.error.message };
  return { task: removed.task ?? task, worktree: removed.outcome, branch };
}

/**
 * Removes the worktree of a task unless another unfinished task (a resume) works in it, and
 * records it. Refusals come back as `kept` with the reason.
 */
export async function removeWorktreeOf(
  context: WorktreeActionsContext,
  task: Task,
): Promise<{ readonly outcome: 'removed' | 'already_gone' | { readonly kept: string }; readonly task?: Task }> {
  const worktree = requireWorktree(task);
  const sharer = await unfinishedSharer(context.store, task);
  if (sharer !== undefined) return { outcome: { kept: `task ${sharer.id} (${sharer.status}) works in it` } };
  const removed = await context.workspace.removeWorktree({
    repository: worktree.request.repository,
    path: worktree.path,
    branch: worktree.request.branch,
  });
  if (!removed.ok) {
    // The repository itself is gone: nothing of git's is left to keep the worktree for.
    if (removed.error.kind !== 'repository_missing') return { outcome: { kept: removed.error.message } };
  }
  const outcome = removed.ok ? removed.value.outcome : 'already_gone';
  const now = Date.now();
  const recorded = await context.store.recordWorktreeRemoved(task.id, now, now);
  return recorded === undefined ? { outcome } : { outcome, task: recorded };
}

// A resumed task works in the worktree of the task it resumed: a newer task with the same path
// that has not ended keeps it.
async function unfinishedSharer(store: Pick<TaskStore, 'list'>, task: Task): Promise<Task | undefined> {
  const path = task.worktree?.path;
  const page = await store.list({ worktree: true, statuses: ['queued', 'running'], limit: 1000 });
  return page.tasks.find((other) => other.id !== task.id && other.worktree?.path === path);
}

/** The worktree record of a task, or `invalid_input` for a task that has none. */
export function requireWorktree(task: Task): TaskWorktree {
  if (task.worktree === null) {
    throw new ClaudineError(
      'invalid_input',
      `Task ${task.id} ran without a worktree, so it has no branch to diff or merge: its changes are in ${task.cwd}. Submit tasks with --worktree (MCP: worktree: true) to get one.`,
      { details: { id: task.id } },
    );
  }
  return task.worktree;
}

function refusalError(task: Task, kind: string, message: string, details: Record<string, unknown> = {}): ClaudineError {
  const code = kind === 'branch_missing' || kind === 'repository_missing' || kind === 'target_missing' ? 'not_found' : 'conflict';
  const hint =
    kind === 'branch_missing' ? ` (was ${task.worktree?.request.branch} deleted by hand? \`git branch\` in the repository shows it)` : '';
  return new ClaudineError(code, `Task ${task.id}: ${message}${hint}`, { details: { id: task.id, reason: kind, ...details } });
}

function mergeMessage(task: Task): string {
  const prompt = task.prompt.trim();
  const title = (prompt.split('\n')[0] ?? '').slice(0, 72);
  const summary = task.report?.resultText?.trim();
  const parts = [`${title}${title.length < prompt.length ? '…' : ''}`, ''];
  if (title.length < prompt.length) parts.push(`Prompt:\n${prompt.slice(0, 4000)}`, '');
  if (summary !== undefined && summary !== '') parts.push(`Summary:\n${summary.slice(0, 4000)}`, '');
  parts.push(`Claudine-Task: ${task.id}`);
  return parts.join('\n');
}
