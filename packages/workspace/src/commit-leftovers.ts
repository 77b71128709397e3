import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '@claudine/core';
import { type ChangeSummary, summariseChange } from './change-summary.js';
import { openCheckout, requireAbsolute } from './checkout.js';
import { commitIdentity } from './commit-identity.js';
import { type GitCommand, gitText, isAncestor, resolveCommit, runGit } from './git.js';
import { type InterruptedOperation, interruptedOperation, QUIT_OPERATION } from './interrupted-operation.js';
import type { WorkspaceContext } from './workspace-context.js';

/** What to commit: the task's worktree, its branch and base, and the message naming the task. */
export interface CommitLeftoversRequest {
  /** The worktree's top level. */
  readonly path: string;
  readonly branch: string;
  /** The commit the task started from: the summary is measured against it. */
  readonly baseCommit: string;
  /** The message of the commit, if one is needed (it should name the task). */
  readonly message: string;
}

/** How the worktree was found, when it was not simply on its branch. */
export type WorktreeIrregularity =
  | { readonly kind: 'interrupted'; readonly operation: InterruptedOperation; readonly head: string | null }
  | { readonly kind: 'off_branch'; readonly head: string | null }
  | { readonly kind: 'branch_missing' };

/** The task's branch once what it left is committed, and its change against the base. */
export interface TaskChanges extends ChangeSummary {
  /** The head of the task's branch. */
  readonly head: string;
  /** True when a commit was made now (there was something left). */
  readonly committed: boolean;
  /** What had to be put right first, or null when the worktree was on its branch. */
  readonly irregularity: WorktreeIrregularity | null;
}

/** Why nothing could be committed: the worktree is gone or is not one. */
export interface CommitLeftoversRefusal {
  readonly kind: 'worktree_missing' | 'not_a_worktree';
  readonly message: string;
}

function explain(irregularity: WorktreeIrregularity, branch: string): string {
  const at = (head: string | null) => (head === null ? '' : ` (HEAD was at ${head})`);
  switch (irregularity.kind) {
    case 'interrupted':
      return `Claudine found a ${irregularity.operation} in progress in the worktree${at(irregularity.head)}. This commit holds the files as the agent left them, conflict markers included; the ${irregularity.operation} was stopped with git ${QUIT_OPERATION[irregularity.operation].join(' ')}.`;
    case 'off_branch':
      return `Claudine found the worktree off its branch ${branch}${at(irregularity.head)}. This commit holds the files as the agent left them, on ${branch}.`;
    case 'branch_missing':
      return `The branch ${branch} had been deleted; Claudine made it again from the task's base with the files as the agent left them.`;
  }
}

// Lock files git leaves when it is killed mid-command (an agent stopped by a timeout or a cancel
// during its own `git commit`). They guard only this worktree's index and HEAD and the task's own
// branch, which nothing else writes: the task's processes are gone and the repository lock is held.
function removeStaleLocks(gitDir: string, commonDir: string, branch: string): string[] {
  const removed: string[] = [];
  for (const path of [join(gitDir, 'index.lock'), join(gitDir, 'HEAD.lock'), join(commonDir, 'refs', 'heads', `${branch}.lock`)]) {
    if (!existsSync(path)) continue;
    rmSync(path, { force: true });
    removed.push(path);
  }
  return removed;
}

async function treeOf(git: GitCommand, cwd: string, commit: string): Promise<string> {
  return gitText(git, ['rev-parse', `${commit}^{tree}`], { cwd, readOnly: true });
}

/**
 * Commits whatever the agent left in its worktree on the task's branch (tracked changes,
 * deletions and untracked files, never ignored ones) and returns the branch's head and its change
 * against the base. Nothing the agent wrote is lost, whatever state it left:
 *
 * - on its branch, with or without commits of its own: one commit on top if anything is left;
 * - in the middle of a rebase, merge, cherry-pick, revert or `git am` (say after a conflict):
 *   the files as they are, conflict markers included, are committed on top of the branch, and the
 *   operation is quit (its state dropped, no file touched) so the worktree is on its branch again;
 * - on another branch or a detached HEAD: the same, except that commits the agent made on top of
 *   the task's branch are kept (the branch moves to them first);
 * - with its branch deleted by hand: the branch is made again from the base with the files.
 *
 * The commit is made with plumbing (no hooks, no signing prompt) and the repository's identity,
 * or Claudine's when none is configured. Call it once the task's processes are gone: lock files
 * git left in the worktree (`index.lock`, `HEAD.lock`) and on the task's branch are taken for an
 * agent killed mid-command and removed. Serialised with the repository's other writes.
 */
export async function commitLeftovers(
  context: WorkspaceContext,
  request: CommitLeftoversRequest,
): Promise<Result<TaskChanges, CommitLeftoversRefusal>> {
  requireAbsolute(request.path, 'worktree path');
  const { git } = context;
  const opened = await openCheckout(git, request.path);
  if (!opened.ok) {
    return err(
      opened.error.kind === 'missing'
        ? {
            kind: 'worktree_missing',
            message: `the worktree ${request.path} is gone (deleted by hand?): its branch ${request.branch} holds what was committed`,
          }
        : { kind: 'not_a_worktree', message: `${request.path} is not a git worktree: nothing was committed` },
    );
  }
  const worktree = opened.value;
  const cwd = worktree.topLevel;
  const ref = `refs/heads/${request.branch}`;
  return context.locks.withLock(worktree.commonDir, async () => {
    removeStaleLocks(worktree.gitDir, worktree.commonDir, request.branch);
    const operation = interruptedOperation(worktree.gitDir);
    const [symbolic, head, tip] = await Promise.all([
      runGit(git, ['symbolic-ref', '--quiet', 'HEAD'], { cwd, allowExitCodes: [1], readOnly: true }),
      resolveCommit(git, cwd, 'HEAD'),
      resolveCommit(git, cwd, ref),
    ]);
    const onBranch = symbolic.exitCode === 0 && symbolic.stdout.toString('utf8').trim() === ref;
    let irregularity: WorktreeIrregularity | null = null;
    if (operation !== null) irregularity = { kind: 'interrupted', operation, head };
    else if (tip === null) irregularity = { kind: 'branch_missing' };
    else if (!onBranch) irregularity = { kind: 'off_branch', head };

    await runGit(git, ['add', '--all'], { cwd });
    const tree = await gitText(git, ['write-tree'], { cwd });
    const anchor = tip ?? request.baseCommit;
    // Commits the agent made on a detached HEAD or another branch on top of its own are its work too.
    const parent = operation === null && head !== null && head !== anchor && (await isAncestor(git, cwd, anchor, head)) ? head : anchor;
    let newHead = parent;
    let committed = false;
    if (tree !== (await treeOf(git, cwd, parent))) {
      const message =
        irregularity === null ? request.message : `${request.message.trimEnd()}\n\n${explain(irregularity, request.branch)}\n`;
      const identity = await commitIdentity(context, worktree.commonDir, cwd);
      newHead = await gitText(git, ['commit-tree', tree, '-p', parent], { cwd, input: message, env: identity });
      committed = true;
    }
    if (newHead !== tip) {
      await runGit(git, ['update-ref', '-m', 'claudine: commit what the task left', ref, newHead, ...(tip === null ? [] : [tip])], { cwd });
    }
    if (irregularity !== null) {
      if (operation !== null) await runGit(git, QUIT_OPERATION[operation], { cwd });
      await runGit(git, ['symbolic-ref', 'HEAD', ref], { cwd });
    }
    const summary = await summariseChange(git, cwd, request.baseCommit, newHead);
    return ok({ head: newHead, committed, irregularity, ...summary });
  });
}
