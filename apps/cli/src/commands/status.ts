import { TASK_STATUSES, type TaskStatus } from '@claudine/core';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { taskDetails, taskTable } from '../format-task.js';

interface StatusOptions {
  status?: TaskStatus[];
  limit?: string;
  json?: boolean;
}

/** `claudine status [id]`: one task in full, or a table of recent tasks. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .alias('ls')
    .summary('show one task, or recent tasks')
    .description('Without an id, lists the most recent tasks (newest first). With an id, shows that task in full.')
    .argument('[id]', 'task id')
    .option('-s, --status <states>', `only tasks in these states, comma-separated (${TASK_STATUSES.join(', ')})`, parseStatuses)
    .option('-n, --limit <n>', 'most tasks to list', '20')
    .option('--json', 'print JSON: the task, or { tasks, nextCursor }')
    .addHelpText(
      'after',
      `
Examples:
  $ claudine status
  $ claudine status --status running,queued
  $ claudine status 3k9x2m4qab --json`,
    )
    .action(async (id: string | undefined, options: StatusOptions, command: Command) => {
      await withClaudine(
        command,
        async (claudine, terminal) => {
          if (id !== undefined) {
            const task = await claudine.get(id);
            if (options.json === true) printJson(task);
            else process.stdout.write(`${taskDetails(terminal, task)}\n`);
            return;
          }
          const limit = Number(options.limit);
          if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit takes a whole number, 1 or more', EXIT.usage);
          const page = await claudine.list({ limit, ...(options.status === undefined ? {} : { statuses: options.status }) });
          if (options.json === true) {
            printJson(page);
            return;
          }
          if (page.tasks.length === 0) {
            process.stdout.write('No tasks yet. Submit one with: claudine run "<what to do>"\n');
            return;
          }
          process.stdout.write(`${taskTable(terminal, page.tasks)}\n`);
        },
        { autoStartHost: false },
      );
    });
}

function parseStatuses(value: string, previous: TaskStatus[] | undefined): TaskStatus[] {
  const statuses = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const status of statuses) {
    if (!(TASK_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidArgumentError(`"${status}" is not a state; use ${TASK_STATUSES.join(', ')}`);
    }
  }
  return [...(previous ?? []), ...(statuses as TaskStatus[])];
}
