import { ClaudineError, err, ok, type Result, type WorktreeMergeStrategy } from '@claudine/core';
import { type ChangeSummary, summariseChange } from './change-summary.js';
import { openRepository } from './checkout.js';
import { commitIdentity } from './commit-identity.js';
import { type GitCommand, gitText, isAncestor, resolveCommit, runGit } from './git.js';
import { mergeTrees } from './merge-tree.js';
import { replayCommits } from './replay-commits.js';
import { advanceCheckout, checkoutBlock } from './target-checkout.js';
import type { WorkspaceContext } from './workspace-context.js';
import { listWorktreeEntries } from './worktree-list.js';

/** What to merge, into what, how. */
export interface MergeTaskRequest {
  /** The top level of the repository's checkout (the recorded repository). */
  readonly repository: string;
  /** The task's branch. */
  readonly branch: string;
  /** The branch to merge into; default the branch checked out in `repository`. */
  readonly target?: string;
  /** Default `squash`. */
  readonly strategy?: WorktreeMergeStrategy;
  /** The message of the squash or merge commit (the task's prompt, summary and id); unused by `rebase`. */
  readonly message?: string;
}

/** A merge that landed. */
export interface MergeOutcome extends ChangeSummary {
  readonly target: string;
  readonly strategy: WorktreeMergeStrategy;
  /** What the target points to now. */
  readonly commit: string;
  /** What it pointed to before. */
  readonly previousTarget: string;
  /** Checkouts of the target whose index and files were brought up to date. */
  readonly updatedCheckouts: readonly string[];
}

/** Why a merge did not happen. In every case nothing changed: no ref, no index, no file. */
export type MergeRefusal =
  | { readonly kind: 'repository_missing'; readonly message: string }
  | { readonly kind: 'branch_missing'; readonly message: string }
  | { readonly kind: 'target_missing'; readonly message: string }
  | { readonly kind: 'nothing_to_merge'; readonly message: string }
  | { readonly kind: 'conflict'; readonly files: readonly string[]; readonly commit: string | null; readonly message: string }
  | { readonly kind: 'dirty_target'; readonly checkout: string; readonly files: readonly string[]; readonly message: string }
  | { readonly kind: 'target_busy'; readonly checkout: string; readonly message: string }
  | { readonly kind: 'target_moved'; readonly message: string };

async function targetName(git: GitCommand, cwd: string, requested: string | undefined): Promise<string | null> {
  if (requested !== undefined) return requested;
  const output = await runGit(git, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd, allowExitCodes: [1], readOnly: true });
  return output.exitCode === 0 ? output.stdout.toString('utf8').trim() : null;
}

function conflictRefusal(branch: string, target: string, files: readonly string[], commit: string | null): MergeRefusal {
  const list = files.join(', ');
  return {
    kind: 'conflict',
    files,
    commit,
    message: `${branch} conflicts with ${target}${commit === null ? '' : ` at its commit ${commit.slice(0, 12)}`} in ${list}; nothing was changed. Resume the task and ask it to rebase onto ${target} and resolve the conflicts, or merge ${branch} by hand (the branch is there).`,
  };
}

/**
 * Merges a task's branch into a target branch (default: the one checked out in the repository)
 * by `squash` (one commit with `message`), `merge` (a merge commit) or `rebase` (its commits
 * replayed, the target fast-forwarded). The result is computed in the object store first
 * (`git merge-tree --write-tree`), so a conflict changes nothing and names the files. A checkout
 * of the target with uncommitted changes to files the merge touches refuses it; a checkout clean
 * for those files gets its index and files updated with the target. The target's ref moves by
 * compare-and-swap: a commit made to it meanwhile refuses the merge instead of being lost.
 * Serialised with the repository's other writes.
 */
export async function mergeTask(context: WorkspaceContext, request: MergeTaskRequest): Promise<Result<MergeOutcome, MergeRefusal>> {
  const { git } = context;
  const strategy = request.strategy ?? 'squash';
  const opened = await openRepository(context, request.repository);
  if (!opened.ok) return opened;
  const repository = opened.value;
  const cwd = repository.topLevel;
  const { branch } = request;
  return context.locks.withLock(repository.commonDir, async (): Promise<Result<MergeOutcome, MergeRefusal>> => {
    const target = await targetName(git, cwd, request.target);
    if (target === null) {
      return err({ kind: 'target_missing', message: `${cwd} has no branch checked out (detached HEAD): name the branch to merge into` });
    }
    if (target === branch) throw new ClaudineError('invalid_input', `cannot merge ${branch} into itself: name another target branch`);
    const targetRef = `refs/heads/${target}`;
    const [targetTip, branchTip] = await Promise.all([resolveCommit(git, cwd, targetRef), resolveCommit(git, cwd, `refs/heads/${branch}`)]);
    if (branchTip === null) {
      return err({
        kind: 'branch_missing',
        message: `the branch ${branch} is not in ${cwd} any more (deleted by hand?): there is nothing to merge`,
      });
    }
    if (targetTip === null)
      return err({ kind: 'target_missing', message: `there is no branch ${target} in ${cwd}: name a branch that exists` });
    const nothing = (why: string) => err({ kind: 'nothing_to_merge' as const, message: `${target} already has ${why}: nothing to merge` });
    if (await isAncestor(git, cwd, branchTip, targetTip)) return nothing(`every commit of ${branch}`);

    const identity = await commitIdentity(context, repository.commonDir, cwd);
    const message = request.message ?? `Merge ${branch}\n`;
    let commit: string;
    if (strategy === 'rebase') {
      const replayed = await replayCommits(git, cwd, identity, targetTip, branchTip);
      if (!replayed.ok) return err(conflictRefusal(branch, target, replayed.conflict.conflicts, replayed.conflict.commit));
      if (replayed.commit === null) return nothing(`every change of ${branch}`);
      commit = replayed.commit;
    } else {
      const merged = await mergeTrees(git, cwd, targetTip, branchTip);
      if (!merged.clean) return err(conflictRefusal(branch, target, merged.conflicts, null));
      if (strategy === 'squash' && merged.tree === (await gitText(git, ['rev-parse', `${targetTip}^{tree}`], { cwd, readOnly: true }))) {
        return nothing(`every change of ${branch}`);
      }
      const parents = strategy === 'merge' ? ['-p', targetTip, '-p', branchTip] : ['-p', targetTip];
      commit = await gitText(git, ['commit-tree', merged.tree, ...parents], { cwd, input: message, env: identity });
    }

    const summary = await summariseChange(git, cwd, targetTip, commit);
    const touched = new Set(summary.files.flatMap((file) => (file.previousPath === null ? [file.path] : [file.path, file.previousPath])));
    const checkouts = (await listWorktreeEntries(git, cwd)).filter(
      (entry) => entry.branch === targetRef && entry.prunable === null && !entry.bare,
    );
    for (const checkout of checkouts) {
      const block = await checkoutBlock(git, checkout.path, touched);
      if (block?.kind === 'busy') {
        return err({
          kind: 'target_busy',
          checkout: checkout.path,
          message: `${checkout.path}, where ${target} is checked out, is in the middle of a ${block.operation}: finish or abort it, then merge again`,
        });
      }
      if (block?.kind === 'dirty') {
        return err({
          kind: 'dirty_target',
          checkout: checkout.path,
          files: block.files,
          message: `${checkout.path}, where ${target} is checked out, has uncommitted changes to files the merge changes (${block.files.join(', ')}): commit or stash them, then merge again`,
        });
      }
    }

    const moved = await runGit(git, ['update-ref', '-m', `claudine: ${strategy} ${branch}`, targetRef, commit, targetTip], {
      cwd,
      allowExitCodes: [1, 128],
    });
    if (moved.exitCode !== 0) {
      if ((await resolveCommit(git, cwd, targetRef)) !== targetTip) {
        return err({
          kind: 'target_moved',
          message: `${target} moved while the merge was computed (a commit by someone else): merge again`,
        });
      }
      throw new ClaudineError('git_failed', `could not move ${target} to the merge: ${moved.stderr.trim()}`);
    }
    const updated: string[] = [];
    for (const checkout of checkouts) {
      if (await advanceCheckout(git, checkout.path, targetTip, commit)) {
        updated.push(checkout.path);
        continue;
      }
      // The checkout changed under us (someone is using git there): put everything back as it was.
      for (const done of updated.reverse()) await advanceCheckout(git, done, commit, targetTip);
      await runGit(git, ['update-ref', '-m', `claudine: undo ${strategy} ${branch}`, targetRef, targetTip, commit], { cwd });
      return err({
        kind: 'target_busy',
        checkout: checkout.path,
        message: `${checkout.path}, where ${target} is checked out, changed during the merge: merge again`,
      });
    }
    return ok({ target, strategy, commit, previousTarget: targetTip, updatedCheckouts: updated, ...summary });
  });
}
