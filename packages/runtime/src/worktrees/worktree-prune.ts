// Worktrees of finished tasks past their retention, removed; their branches deleted only once
// their work landed; what was kept said, and why.
import { isTerminalStatus, type Task } from '@claudine/core';
import { removeWorktreeOf, type WorktreeActionsContext } from './worktree-actions.js';

/** What one prune did. */
export interface WorktreePruneReport {
  /** Worktrees removed (or found deleted by hand), by task. */
  readonly removed: ReadonlyArray<{ readonly id: string; readonly path: string }>;
  /** Branches deleted because their work landed (a recorded merge, or contained in the target). */
  readonly branchesDeleted: ReadonlyArray<{ readonly id: string; readonly branch: string }>;
  /** What was kept, and why: an unmerged branch, a worktree with uncommitted work, one a task still uses. */
  readonly kept: ReadonlyArray<{
    readonly id: string;
    readonly what: 'worktree' | 'branch';
    readonly name: string;
    readonly reason: string;
  }>;
  /** Records of worktrees deleted by hand that `git worktree prune` dropped. */
  readonly staleRecords: number;
}

/** Options for {@link pruneWorktrees}. */
export interface WorktreePruneOptions {
  /** Tasks that finished before this time lose their worktree. */
  readonly finishedBefore: number;
}

/**
 * Removes the worktrees of tasks that finished before `finishedBefore`, and deletes their
 * branches once their work landed; an unmerged branch is never deleted (it is listed as kept).
 * Runs `git worktree prune` in each repository seen, so git's own list stays true after
 * worktrees were deleted by hand.
 */
export async function pruneWorktrees(context: WorktreeActionsContext, options: WorktreePruneOptions): Promise<WorktreePruneReport> {
  const removed: Array<{ id: string; path: string }> = [];
  const branchesDeleted: Array<{ id: string; branch: string }> = [];
  const kept: Array<{ id: string; what: 'worktree' | 'branch'; name: string; reason: string }> = [];
  const repositories = new Set<string>();
  const tasks = await tasksWithWorktrees(context);
  // A path several tasks shared (a resume) is pruned by the newest of them only.
  const newestByPath = new Map<string, Task>();
  for (const task of tasks) {
    const path = task.worktree?.path as string;
    const seen = newestByPath.get(path);
    if (seen === undefined || seen.seq < task.seq) newestByPath.set(path, task);
  }
  for (const task of newestByPath.values()) {
    const worktree = task.worktree;
    if (worktree === null || !isTerminalStatus(task.status) || (task.finishedAt ?? Number.POSITIVE_INFINITY) >= options.finishedBefore)
      continue;
    repositories.add(worktree.request.repository);
    if (worktree.removedAt === null) {
      const outcome = await removeWorktreeOf(context, task);
      if (typeof outcome.outcome === 'object') {
        kept.push({ id: task.id, what: 'worktree', name: worktree.path, reason: outcome.outcome.kept });
        continue;
      }
      removed.push({ id: task.id, path: worktree.path });
    }
    const merged = tasks.find((other) => other.worktree?.request.branch === worktree.request.branch && other.worktree.merge !== null);
    const deleted = await context.workspace.deleteBranch({
      repository: worktree.request.repository,
      branch: worktree.request.branch,
      ...(merged?.worktree?.merge == null ? {} : { target: merged.worktree.merge.target, merged: true }),
    });
    if (deleted.ok) branchesDeleted.push({ id: task.id, branch: worktree.request.branch });
    else if (deleted.error.kind !== 'branch_missing' && deleted.error.kind !== 'repository_missing') {
      kept.push({ id: task.id, what: 'branch', name: worktree.request.branch, reason: deleted.error.message });
    }
  }
  let staleRecords = 0;
  for (const repository of repositories) {
    const pruned = await context.workspace.pruneRecords(repository);
    if (pruned.ok) staleRecords += pruned.value.pruned.length;
  }
  return { removed, branchesDeleted, kept, staleRecords };
}

/** Every task with a worktree, oldest first. */
export async function tasksWithWorktrees(context: Pick<WorktreeActionsContext, 'store'>): Promise<Task[]> {
  const tasks: Task[] = [];
  let cursor: number | undefined;
  do {
    const page = await context.store.list({ worktree: true, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    tasks.push(...page.tasks);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return tasks.reverse();
}
