import { formatBytes } from '@claudine/runtime';
import type { Command } from 'commander';
import { printJson, withClaudine } from '../context.js';
import { withExamples } from '../help-examples.js';
import { WorktreeListJson, WorktreePruneJson, WorktreeRemoveJson } from '../json-shapes.js';

/** `claudine worktree ls|rm|prune`: the worktrees of tasks, and their cleanup. */
export function registerWorktree(program: Command): void {
  const worktree = program
    .command('worktree')
    .summary("list and clean up tasks' worktrees")
    .description(
      'The git worktrees of tasks run with --worktree: list them, remove one, or prune those of tasks that finished more than worktree.retention ago. A branch is never deleted while its work has not landed (merged by Claudine, or contained in the target) unless you force it.',
    );
  withExamples(worktree, ['claudine worktree ls', 'claudine worktree rm 3k9x2m4qab', 'claudine worktree prune']);

  const ls = worktree
    .command('ls')
    .summary("list tasks' worktrees")
    .description('Lists every task with a worktree, newest first: its state, branch, path, disk use, and whether its work landed.')
    .option('--json', 'print JSON: [{ id, status, branch, path, repository, present, diskBytes, landing }]');
  withExamples(ls, ['claudine worktree ls', 'claudine worktree ls --json']).action(
    async (options: { json?: boolean }, command: Command) => {
      await withClaudine(command, async (claudine) => {
        const listings = await claudine.worktrees();
        if (options.json === true) {
          await printJson(
            WorktreeListJson,
            listings.map(({ prompt: _prompt, worktree: _worktree, ...listing }) => listing),
          );
          return;
        }
        if (listings.length === 0) {
          process.stdout.write('no task has a worktree (claudine run --worktree ... makes one)\n');
          return;
        }
        const rows = listings.map((listing) => [
          listing.id,
          listing.status,
          listing.branch,
          listing.present ? formatBytes(listing.diskBytes ?? 0) : 'removed',
          listing.landing,
          listing.present ? listing.path : '-',
        ]);
        const header = ['TASK', 'STATE', 'BRANCH', 'DISK', 'WORK', 'PATH'];
        const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
        for (const row of [header, ...rows]) {
          process.stdout.write(
            `${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}\n`,
          );
        }
      });
    },
  );

  const rm = worktree
    .command('rm')
    .summary("remove a finished task's worktree")
    .description(
      "Removes a finished task's worktree (what its agent left was committed on its branch when it ended). Its branch is deleted too once its work landed; otherwise it is kept, unless --force.",
    )
    .argument('<id>', 'the task')
    .option('--force', 'delete the branch even though its work has not landed')
    .option('--json', 'print JSON: { id, worktree, branch }');
  withExamples(rm, ['claudine worktree rm 3k9x2m4qab', 'claudine worktree rm --force 3k9x2m4qab']).action(
    async (id: string, options: { force?: boolean; json?: boolean }, command: Command) => {
      await withClaudine(command, async (claudine) => {
        const removed = await claudine.removeWorktree(id, options.force === true ? { force: true } : {});
        if (options.json === true) {
          await printJson(WorktreeRemoveJson, { id, worktree: removed.worktree, branch: removed.branch });
          return;
        }
        const branch = removed.task.worktree?.request.branch ?? '';
        process.stdout.write(
          removed.worktree === 'removed'
            ? `removed the worktree of task ${id}\n`
            : `the worktree of task ${id} was already gone (deleted by hand?); git's record of it is pruned\n`,
        );
        if (removed.branch === 'deleted') process.stdout.write(`deleted its branch ${branch}\n`);
        else if (removed.branch === 'missing') process.stdout.write(`its branch ${branch} was already deleted\n`);
        else process.stdout.write(`kept its branch: ${removed.branch.kept}\n`);
      });
    },
  );

  const prune = worktree
    .command('prune')
    .summary('remove the worktrees of tasks finished more than worktree.retention ago')
    .description(
      'Removes the worktrees of tasks that finished more than worktree.retention (7 days by default) ago, deletes their branches whose work landed, and keeps (and lists) unmerged branches. The host does the same on its own schedule.',
    )
    .option('--json', 'print JSON: { removed, branchesDeleted, kept, staleRecords }');
  withExamples(prune, ['claudine worktree prune', 'claudine worktree prune --json']).action(
    async (options: { json?: boolean }, command: Command) => {
      await withClaudine(command, async (claudine) => {
        const report = await claudine.pruneWorktrees();
        if (options.json === true) {
          await printJson(WorktreePruneJson, report);
          return;
        }
        for (const item of report.removed) process.stdout.write(`removed the worktree of task ${item.id} (${item.path})\n`);
        for (const item of report.branchesDeleted)
          process.stdout.write(`deleted the branch ${item.branch} of task ${item.id}: its work landed\n`);
        for (const item of report.kept) process.stdout.write(`kept the ${item.what} ${item.name} of task ${item.id}: ${item.reason}\n`);
        if (report.staleRecords > 0) process.stdout.write(`dropped git's records of ${report.staleRecords} worktree(s) deleted by hand\n`);
        if (report.removed.length + report.branchesDeleted.length + report.kept.length + report.staleRecords === 0) {
          process.stdout.write('nothing to prune\n');
        }
      });
    },
  );
}
