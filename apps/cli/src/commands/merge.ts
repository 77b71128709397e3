import { WORKTREE_MERGE_STRATEGIES, type WorktreeMergeStrategy } from '@claudine/core';
import { type Command, Option } from 'commander';
import { printJson, withClaudine } from '../context.js';
import { withExamples } from '../help-examples.js';
import { MergeJson } from '../json-shapes.js';

interface MergeCommandOptions {
  into?: string;
  strategy?: WorktreeMergeStrategy;
  deleteBranch?: boolean;
  json?: boolean;
}

/** `claudine merge <id>`: bring a worktree task's branch into a target branch. */
export function registerMerge(program: Command): void {
  const merge = program
    .command('merge')
    .summary("merge a finished worktree task's branch (a conflict changes nothing)")
    .description(
      "Merges a finished worktree task's branch into the branch checked out in its repository (or --into). The result is computed first (git merge-tree), so a conflict changes nothing: the files are listed and the branch stays for you to resume the task or merge by hand. Refused when the target's checkout has uncommitted changes to files the merge touches. Default strategy squash: one commit whose message carries the task's prompt, summary and id. The task's worktree is removed; its branch is kept unless --delete-branch.",
    )
    .argument('<id>', 'the task')
    .option('--into <branch>', 'the branch to merge into (default: the one checked out in the repository)')
    .addOption(new Option('--strategy <strategy>', 'squash (default), merge (a merge commit) or rebase').choices(WORKTREE_MERGE_STRATEGIES))
    .option('--delete-branch', "delete the task's branch once merged (default: kept)")
    .option('--json', 'print JSON: { id, target, strategy, commit, files, worktree, branch, ... }');
  withExamples(merge, [
    'claudine merge 3k9x2m4qab',
    'claudine merge --into release --strategy rebase 3k9x2m4qab',
    'claudine merge --delete-branch 3k9x2m4qab',
  ]).action(async (id: string, options: MergeCommandOptions, command: Command) => {
    await withClaudine(command, async (claudine) => {
      const merged = await claudine.merge(id, {
        ...(options.into === undefined ? {} : { into: options.into }),
        ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
        ...(options.deleteBranch === true ? { deleteBranch: true } : {}),
      });
      const { merge: outcome } = merged;
      if (options.json === true) {
        await printJson(MergeJson, {
          id,
          target: outcome.target,
          strategy: outcome.strategy,
          commit: outcome.commit,
          previousTarget: outcome.previousTarget,
          files: outcome.files,
          insertions: outcome.insertions,
          deletions: outcome.deletions,
          updatedCheckouts: outcome.updatedCheckouts,
          worktree: merged.worktree,
          branch: merged.branch,
        });
        return;
      }
      const count = outcome.files.length;
      process.stdout.write(
        `merged task ${id} into ${outcome.target} (${outcome.strategy}): ${outcome.commit.slice(0, 12)}, ${count} file${count === 1 ? '' : 's'}, +${outcome.insertions} -${outcome.deletions}\n`,
      );
      if (typeof merged.worktree === 'object') process.stdout.write(`its worktree is kept: ${merged.worktree.kept}\n`);
      else process.stdout.write('its worktree is removed\n');
      const branch = merged.task.worktree?.request.branch ?? '';
      if (merged.branch === 'kept') process.stdout.write(`its branch ${branch} is kept (claudine worktree prune deletes it later)\n`);
      else if (merged.branch === 'deleted') process.stdout.write(`its branch ${branch} is deleted\n`);
      else process.stdout.write(`its branch ${branch} is kept: ${merged.branch.kept}\n`);
    });
  });
}
