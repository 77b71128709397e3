// `worktree ls`: every task's worktree, where it is, what it holds on disk, whether its work landed.
import { existsSync } from 'node:fs';
import type { TaskStatus, TaskWorktree } from '@claudine/core';
import { diskUsage } from '@claudine/workspace';
import type { WorktreeActionsContext } from './worktree-actions.js';
import { tasksWithWorktrees } from './worktree-prune.js';

/** One task's worktree as `worktree ls` shows it. */
export interface WorktreeListing {
  readonly id: string;
  readonly status: TaskStatus;
  readonly prompt: string;
  readonly branch: string;
  readonly path: string;
  readonly repository: string;
  /** The worktree's directory is there (false once removed, or deleted by hand). */
  readonly present: boolean;
  /** Bytes it takes on disk; null when it is not there. */
  readonly diskBytes: number | null;
  /**
   * `merged`: Claudine merged it; `contained`: the target holds its commits; `unmerged`: its work
   * is only on its branch; `branch_missing`: the branch is gone.
   */
  readonly landing: 'merged' | 'contained' | 'unmerged' | 'branch_missing';
  readonly worktree: TaskWorktree;
}

/** Every task's worktree, newest first, with its disk use and whether its work landed. */
export async function listWorktrees(context: WorktreeActionsContext): Promise<WorktreeListing[]> {
  const tasks = (await tasksWithWorktrees(context)).reverse();
  const listings: WorktreeListing[] = [];
  for (const task of tasks) {
    const worktree = task.worktree as TaskWorktree;
    const present = worktree.removedAt === null && existsSync(worktree.path);
    let landing: WorktreeListing['landing'] = 'merged';
    if (worktree.merge === null) {
      const landed = await context.workspace.branchLanding({ repository: worktree.request.repository, branch: worktree.request.branch });
      landing =
        !landed.ok || landed.value.kind === 'missing' ? 'branch_missing' : landed.value.kind === 'contained' ? 'contained' : 'unmerged';
    }
    listings.push({
      id: task.id,
      status: task.status,
      prompt: task.prompt,
      branch: worktree.request.branch,
      path: worktree.path,
      repository: worktree.request.repository,
      present,
      diskBytes: present ? await diskUsage(worktree.path) : null,
      landing,
      worktree,
    });
  }
  return listings;
}

/** Bytes taken by every worktree under the data directory's `worktrees/` (0 when there is none). */
export async function worktreesDiskUsage(directory: string): Promise<number> {
  return existsSync(directory) ? diskUsage(directory) : 0;
}
