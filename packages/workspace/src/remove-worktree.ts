import { existsSync } from 'node:fs';
import { err, ok, type Result } from '@claudine/core';
import { openCheckout, openRepository, requireAbsolute } from './checkout.js';
import { isAncestor, nulFields, resolveCommit, runGit } from './git.js';
import type { WorkspaceContext } from './workspace-context.js';
import { findWorktree, listWorktreeEntries } from './worktree-list.js';

/** Which worktree to remove: the repository, the worktree's path and the task's branch. */
export interface RemoveWorktreeRequest {
  readonly repository: string;
  readonly path: string;
  /** The task's branch: a HEAD with commits not on it would lose them, and is refused. */
  readonly branch: string;
}

/** What removal found: the worktree removed now, or already gone (git's record of it pruned). */
export interface RemovedWorktree {
  readonly outcome: 'removed' | 'already_gone';
}

/** Why the worktree was kept; `message` says what to do. */
export type RemoveWorktreeRefusal =
  | { readonly kind: 'repository_missing'; readonly message: string }
  | { readonly kind: 'uncommitted_changes'; readonly files: readonly string[]; readonly message: string }
  | { readonly kind: 'commits_off_branch'; readonly head: string; readonly message: string }
  | { readonly kind: 'locked'; readonly reason: string; readonly message: string }
  | { readonly kind: 'not_a_worktree'; readonly message: string };

/**
 * Removes a task's worktree (its directory, ignored files included, and git's record of it). It
 * is refused, never forced, while the worktree holds anything not committed on a branch:
 * uncommitted changes or untracked files (commit them with `commitLeftovers` first, as the end
 * of every task does), or a HEAD with commits not on the task's branch; also while someone
 * locked it with `git worktree lock`. A worktree deleted by hand is `already_gone`, with git's
 * stale record pruned. The branch is left alone (see `deleteBranch`).
 */
export async function removeWorktree(
  context: WorkspaceContext,
  request: RemoveWorktreeRequest,
): Promise<Result<RemovedWorktree, RemoveWorktreeRefusal>> {
  requireAbsolute(request.path, 'worktree path');
  const { git } = context;
  const opened = await openRepository(context, request.repository);
  if (!opened.ok) return opened;
  const repository = opened.value;
  const cwd = repository.topLevel;
  return context.locks.withLock(repository.commonDir, async (): Promise<Result<RemovedWorktree, RemoveWorktreeRefusal>> => {
    const entry = findWorktree(await listWorktreeEntries(git, cwd), request.path);
    if (entry === undefined || entry.prunable !== null) {
      if (entry === undefined && existsSync(request.path)) {
        return err({
          kind: 'not_a_worktree',
          message: `${request.path} is not a worktree of ${cwd}: nothing was removed; remove it by hand if it is not needed`,
        });
      }
      if (entry?.locked !== null && entry?.locked !== undefined) await runGit(git, ['worktree', 'unlock', entry.path], { cwd });
      await runGit(git, ['worktree', 'prune'], { cwd });
      return ok({ outcome: 'already_gone' });
    }
    if (entry.locked !== null) {
      return err({
        kind: 'locked',
        reason: entry.locked,
        message: `${entry.path} is locked${entry.locked === '' ? '' : ` (${entry.locked})`}: unlock it with git worktree unlock, then remove it again`,
      });
    }
    const worktree = await openCheckout(git, entry.path);
    if (!worktree.ok)
      return err({ kind: 'not_a_worktree', message: `${entry.path} is not a working git worktree: ${worktree.error.message}` });
    const status = await runGit(git, ['status', '--porcelain', '-z', '--untracked-files=normal', '--no-renames'], {
      cwd: entry.path,
      readOnly: true,
    });
    const files = nulFields(status.stdout).map((line) => line.slice(3));
    if (files.length > 0) {
      return err({
        kind: 'uncommitted_changes',
        files,
        message: `${entry.path} has changes that are not committed (${files.slice(0, 10).join(', ')}${files.length > 10 ? ', ...' : ''}): commit them on the task's branch first`,
      });
    }
    const head = await resolveCommit(git, entry.path, 'HEAD');
    const tip = await resolveCommit(git, cwd, `refs/heads/${request.branch}`);
    if (head !== null && (tip === null || !(await isAncestor(git, cwd, head, tip)))) {
      const onOther = entry.branch !== null && entry.branch !== `refs/heads/${request.branch}`;
      if (!onOther) {
        return err({
          kind: 'commits_off_branch',
          head,
          message: `the HEAD of ${entry.path} (${head.slice(0, 12)}) has commits that are not on ${request.branch}: commit what the task left first, so they are kept`,
        });
      }
    }
    // --force: the checks above stand for git's own (which also balks at submodules and ignored-only content).
    await runGit(git, ['worktree', 'remove', '--force', entry.path], { cwd });
    return ok({ outcome: 'removed' });
  });
}
