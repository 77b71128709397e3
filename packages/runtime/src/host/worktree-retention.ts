import type { Workspace } from '@claudine/workspace';
import type { WorktreeActionsContext } from '../worktrees/worktree-actions.js';
import { pruneWorktrees } from '../worktrees/worktree-prune.js';

/** What {@link createWorktreeRetention} needs. */
export interface WorktreeRetentionOptions {
  readonly store: WorktreeActionsContext['store'];
  readonly workspace: Workspace;
  /** A finished task's worktree is removed this long after it ended (`worktree.retention`). */
  readonly retentionMs: number;
  readonly log: (line: string) => void;
}

/** The host's pruning of finished tasks' worktrees, run on the schedule of its log sweep. */
export interface WorktreeRetention {
  /** Prunes once unless a prune is under way; never rejects. */
  sweep(): void;
  /** Settles when the prune under way, if any, has ended. */
  stop(): Promise<void>;
}

/**
 * Removes the worktrees of tasks that finished more than the retention ago and deletes their
 * branches whose work landed; unmerged branches are kept (and logged once per prune that keeps
 * them). One prune at a time.
 */
export function createWorktreeRetention(options: WorktreeRetentionOptions): WorktreeRetention {
  let running: Promise<void> | undefined;
  return {
    sweep() {
      running ??= (async () => {
        try {
          const report = await pruneWorktrees(options, { finishedBefore: Date.now() - options.retentionMs });
          const keptBranches = report.kept.filter((item) => item.what === 'branch').length;
          const keptWorktrees = report.kept.length - keptBranches;
          if (report.removed.length + report.branchesDeleted.length + keptWorktrees > 0) {
            options.log(
              `worktrees: ${report.removed.length} removed, ${report.branchesDeleted.length} landed branches deleted, ${keptWorktrees} kept (uncommitted work or in use), ${keptBranches} unmerged branches kept`,
            );
          }
        } catch (error) {
          options.log(`worktree pruning failed: ${(error as Error).message}`);
        } finally {
          running = undefined;
        }
      })();
    },
    async stop() {
      await running;
    },
  };
}
