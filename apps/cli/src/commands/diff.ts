import type { TaskDiffStat } from '@claudine/runtime';
import type { Command } from 'commander';
import { printJson, withClaudine } from '../context.js';
import { withExamples } from '../help-examples.js';
import { DiffJson } from '../json-shapes.js';
import { writeStdout } from '../stream-writer.js';

interface DiffOptions {
  stat?: boolean;
  into?: string;
  json?: boolean;
}

/** `claudine diff <id>`: what a worktree task changed, against where its branch left the target. */
export function registerDiff(program: Command): void {
  const diff = program
    .command('diff')
    .summary("show what a worktree task changed (its branch against the target's fork point)")
    .description(
      "Prints the patch of a worktree task's branch against the point where it left the target branch (the one checked out in the repository unless --into names another), so commits made to the target since do not show as the task undoing them. --stat lists the files with the lines added and removed.",
    )
    .argument('<id>', 'the task')
    .option('--stat', 'only the files changed, with lines added and removed')
    .option('--into <branch>', 'the target branch to compare against (default: the one checked out in the repository)')
    .option('--json', 'print JSON: { id, branch, target, forkPoint, head, files, insertions, deletions, patch } (patch null with --stat)');
  withExamples(diff, ['claudine diff 3k9x2m4qab', 'claudine diff --stat 3k9x2m4qab', 'claudine diff --json 3k9x2m4qab | jq .files']).action(
    async (id: string, options: DiffOptions, command: Command) => {
      await withClaudine(command, async (claudine) => {
        const target = options.into === undefined ? {} : { target: options.into };
        if (options.json === true) {
          const result = await claudine.diff(id, { stat: true, ...target });
          let patch: string | null = null;
          if (options.stat !== true) {
            const parts: string[] = [];
            const streamed = await claudine.diffStream(id, target);
            for await (const chunk of streamed.stream) parts.push(String(chunk));
            patch = parts.join('');
          }
          const { stat } = result;
          await printJson(DiffJson, {
            id,
            branch: result.task.worktree?.request.branch ?? '',
            target: stat.target,
            forkPoint: stat.forkPoint,
            head: stat.head,
            files: stat.files,
            insertions: stat.insertions,
            deletions: stat.deletions,
            patch,
          });
          return;
        }
        if (options.stat === true) {
          process.stdout.write(formatStat((await claudine.diff(id, { stat: true, ...target })).stat));
          return;
        }
        const streamed = await claudine.diffStream(id, target);
        for await (const chunk of streamed.stream) await writeStdout(chunk as Uint8Array);
      });
    },
  );
}

/** The files of a diff, one a line, as `git diff --stat` reads, with a total. */
export function formatStat(stat: TaskDiffStat): string {
  if (stat.files.length === 0) return `no changes against ${stat.target} (fork point ${stat.forkPoint.slice(0, 12)})\n`;
  const width = Math.max(...stat.files.map((file) => file.path.length));
  const lines = stat.files.map((file) => {
    const counts = file.binary ? 'binary' : `+${file.insertions} -${file.deletions}`;
    const renamed = file.previousPath === null ? '' : ` (from ${file.previousPath})`;
    return ` ${file.path.padEnd(width)}  ${counts.padStart(12)}  ${file.status}${renamed}`;
  });
  lines.push(
    ` ${stat.files.length} file${stat.files.length === 1 ? '' : 's'} changed, +${stat.insertions} -${stat.deletions} against ${stat.target} (fork point ${stat.forkPoint.slice(0, 12)})`,
  );
  return `${lines.join('\n')}\n`;
}
