import { ok, type Result } from '@claudine/core';
import { openRepository, type RepositoryMissing } from './checkout.js';
import { runGit } from './git.js';
import type { WorkspaceContext } from './workspace-context.js';
import { listWorktreeEntries, type WorktreeEntry } from './worktree-list.js';

/** What `git worktree prune` dropped: records of worktrees whose directories were gone. */
export interface PrunedRecords {
  readonly pruned: readonly string[];
}

/** Every working tree git knows for the repository (the main checkout first), for `worktree ls`. */
export async function listWorktrees(context: WorkspaceContext, repository: string): Promise<Result<WorktreeEntry[], RepositoryMissing>> {
  const opened = await openRepository(context, repository);
  if (!opened.ok) return opened;
  return ok(await listWorktreeEntries(context.git, opened.value.topLevel));
}

/**
 * Housekeeping: `git worktree prune`, so git's own list matches the disk after worktrees were
 * deleted by hand (git keeps their records, and refuses their branches to other worktrees,
 * until then). Locked records are kept, as git keeps them. Returns the paths whose records
 * went. Deletes no branch and no file.
 */
export async function pruneWorktreeRecords(
  context: WorkspaceContext,
  repository: string,
): Promise<Result<PrunedRecords, RepositoryMissing>> {
  const opened = await openRepository(context, repository);
  if (!opened.ok) return opened;
  const cwd = opened.value.topLevel;
  return context.locks.withLock(opened.value.commonDir, async () => {
    const before = (await listWorktreeEntries(context.git, cwd)).filter((entry) => entry.prunable !== null && entry.locked === null);
    if (before.length > 0) await runGit(context.git, ['worktree', 'prune'], { cwd });
    return ok({ pruned: before.map((entry) => entry.path) });
  });
}
