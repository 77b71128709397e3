import { err, ok, type Result } from '@claudine/core';
import { openRepository } from './checkout.js';
import { type GitCommand, gitText, isAncestor, resolveCommit, runGit } from './git.js';
import type { WorkspaceContext } from './workspace-context.js';
import { listWorktreeEntries } from './worktree-list.js';

/** Which branch of which repository, and what says its work landed. */
export interface BranchRequest {
  readonly repository: string;
  readonly branch: string;
  /** The branch its work is meant for; default the branch checked out in `repository`. */
  readonly target?: string;
}

/** Options for {@link deleteBranch}. */
export interface DeleteBranchRequest extends BranchRequest {
  /** The caller recorded a merge of the branch (a squash or rebase leaves its commits out of the target). */
  readonly merged?: boolean;
  /** Delete it even though its work has not landed: its commits are then only in git's object store until gc. */
  readonly force?: boolean;
}

/** A deleted branch, and the commit it pointed to (`git branch <name> <commit>` brings it back). */
export interface DeletedBranch {
  readonly commit: string;
  /** Why it could go: a recorded merge, the target containing it, or `force`. */
  readonly because: 'merged' | 'contained' | 'forced';
}

/** Why a branch stays; `message` says what to do. */
export type DeleteBranchRefusal =
  | { readonly kind: 'repository_missing'; readonly message: string }
  | { readonly kind: 'branch_missing'; readonly message: string }
  | { readonly kind: 'target_missing'; readonly message: string }
  | { readonly kind: 'not_landed'; readonly target: string; readonly commits: number; readonly message: string }
  | { readonly kind: 'checked_out'; readonly path: string; readonly message: string };

/** How a branch's work stands against its target. */
export type BranchLanding =
  | { readonly kind: 'missing' }
  | { readonly kind: 'contained'; readonly target: string; readonly commit: string }
  | { readonly kind: 'not_contained'; readonly target: string; readonly commit: string; readonly commits: number };

/**
 * Whether the target contains the branch's commits (`git merge-base --is-ancestor`), for
 * `worktree ls` and prune. A squash or rebase merge does not make it contained: the caller's
 * record of the merge is what says that work landed.
 */
export async function branchLanding(
  git: GitCommand,
  cwd: string,
  branch: string,
  target: string | undefined,
): Promise<Result<BranchLanding, DeleteBranchRefusal>> {
  const commit = await resolveCommit(git, cwd, `refs/heads/${branch}`);
  if (commit === null) return ok({ kind: 'missing' });
  let name = target;
  if (name === undefined) {
    const head = await runGit(git, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd, allowExitCodes: [1], readOnly: true });
    if (head.exitCode !== 0)
      return err({ kind: 'target_missing', message: `${cwd} has no branch checked out (detached HEAD): name the target branch` });
    name = head.stdout.toString('utf8').trim();
  }
  const targetCommit = await resolveCommit(git, cwd, `refs/heads/${name}`);
  if (targetCommit === null)
    return err({ kind: 'target_missing', message: `there is no branch ${name} in ${cwd}: name a branch that exists` });
  if (await isAncestor(git, cwd, commit, targetCommit)) return ok({ kind: 'contained', target: name, commit });
  const commits = Number(await gitText(git, ['rev-list', '--count', `${targetCommit}..${commit}`], { cwd, readOnly: true }));
  return ok({ kind: 'not_contained', target: name, commit, commits });
}

/** {@link branchLanding} for a caller with a workspace: whether a task's branch is in its target. */
export async function taskBranchLanding(
  context: WorkspaceContext,
  request: BranchRequest,
): Promise<Result<BranchLanding, DeleteBranchRefusal>> {
  const opened = await openRepository(context, request.repository);
  if (!opened.ok) return opened;
  return branchLanding(context.git, opened.value.topLevel, request.branch, request.target);
}

/**
 * Deletes a task's branch, only once its work has landed: the caller recorded a merge
 * (`merged`), or the target contains its commits; otherwise only with `force`. Refused while a
 * worktree has it checked out (remove that first). The ref is deleted by compare-and-swap, so a
 * commit made to it meanwhile keeps it. A branch already deleted by hand is `branch_missing`.
 */
export async function deleteBranch(
  context: WorkspaceContext,
  request: DeleteBranchRequest,
): Promise<Result<DeletedBranch, DeleteBranchRefusal>> {
  const { git } = context;
  const opened = await openRepository(context, request.repository);
  if (!opened.ok) return opened;
  const repository = opened.value;
  const cwd = repository.topLevel;
  const ref = `refs/heads/${request.branch}`;
  return context.locks.withLock(repository.commonDir, async (): Promise<Result<DeletedBranch, DeleteBranchRefusal>> => {
    const commit = await resolveCommit(git, cwd, ref);
    if (commit === null) return err({ kind: 'branch_missing', message: `the branch ${request.branch} is already gone from ${cwd}` });
    let entries = await listWorktreeEntries(git, cwd);
    if (entries.some((entry) => entry.branch === ref && entry.prunable !== null)) {
      await runGit(git, ['worktree', 'prune'], { cwd });
      entries = await listWorktreeEntries(git, cwd);
    }
    const holder = entries.find((entry) => entry.branch === ref);
    if (holder !== undefined) {
      return err({
        kind: 'checked_out',
        path: holder.path,
        message: `${request.branch} is checked out at ${holder.path}: remove that worktree first`,
      });
    }
    let because: DeletedBranch['because'] = 'forced';
    if (request.merged === true) because = 'merged';
    else if (request.force !== true) {
      const landing = await branchLanding(git, cwd, request.branch, request.target);
      if (!landing.ok) return landing;
      if (landing.value.kind === 'not_contained') {
        const { target, commits } = landing.value;
        return err({
          kind: 'not_landed',
          target,
          commits,
          message: `${request.branch} has ${commits} commit${commits === 1 ? '' : 's'} that ${target} does not have, and no merge was recorded: merge it, or delete it with --force`,
        });
      }
      because = 'contained';
    }
    await runGit(git, ['update-ref', '-m', `claudine: delete ${request.branch}`, '-d', ref, commit], { cwd });
    return ok({ commit, because });
  });
}
