import {
  AGENT_KINDS,
  TASK_ORDERS,
  TASK_STATUSES,
  type Task,
  type TaskOrder,
  type TaskPage,
  type TaskQuery,
  type TaskStatus,
} from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { taskTable } from '../format-task.js';
import { withExamples } from '../help-examples.js';
import { TaskListJson } from '../json-shapes.js';
import { collectList, pointInTime, wholeNumber } from '../parse-options.js';
import { paint } from '../terminal.js';

/** A state `--status` takes: a task's status, or `blocked` (queued, waiting for dependencies), as tables show. */
type ListedState = TaskStatus | 'blocked';
const LISTED_STATES: readonly ListedState[] = [...TASK_STATUSES, 'blocked'];

interface LsOptions {
  status?: ListedState[];
  label: string[];
  agent?: Task['agent'];
  since?: string;
  limit: string;
  cursor?: string;
  page?: string;
  all?: boolean;
  sort?: TaskOrder;
  reverse?: boolean;
  quiet?: boolean;
  json?: boolean;
}

// Pages of --all are read this many tasks at a time (the store's largest page).
const ALL_PAGE_SIZE = 1000;

/** `claudine ls`: list tasks, newest first, filtered and paginated. */
export function registerLs(program: Command): void {
  const ls = program
    .command('ls')
    .alias('list')
    .summary('list tasks, newest first')
    .description(
      'Lists tasks as a table that fits the terminal, newest first. Filters combine (all must match). --sort orders every matching task, then pages are cut: the next page is --cursor <nextCursor> (printed below the table, and in --json; pass it with the same filters and order) or --page <n>.',
    )
    .option(
      '-s, --status <states>',
      `only tasks in these states, comma-separated (${LISTED_STATES.join(', ')}; blocked: queued and waiting for dependencies, so a page may hold fewer)`,
      parseStatuses,
    )
    .option(
      '-l, --label <labels>',
      'only tasks with this label; several (repeated, or comma-separated): tasks with all of them',
      collectList,
      [],
    )
    .addOption(new Option('-a, --agent <agent>', 'only tasks of this agent').choices(AGENT_KINDS))
    .option('--since <when>', 'only tasks submitted since then: a duration ago (30m, 2h, 7d) or a date (2025-01-31T09:00)')
    .option('-n, --limit <n>', 'tasks per page (at most 1000)', '20')
    .option('--cursor <cursor>', 'the page after this cursor (nextCursor of the previous page)')
    .option('--page <n>', 'page number, from 1')
    .option('--all', 'every matching task, however many pages')
    .addOption(
      new Option('--sort <key>', 'order of the tasks: created (newest first), priority, status, duration (longest first)').choices(
        TASK_ORDERS,
      ),
    )
    .option('-r, --reverse', 'reverse the order')
    .option('-q, --quiet', 'print only the task ids, one per line')
    .option('--json', 'print JSON: { tasks, nextCursor }');
  withExamples(ls, [
    'claudine ls',
    'claudine ls --status running,queued',
    'claudine ls -l nightly --since 24h --sort duration',
    'claudine ls -l backend,flaky --status failed',
    'claudine ls --agent claude --status failed --json',
    'claudine ls --page 2 -n 50',
    'claudine cancel $(claudine ls -q --status queued --label experiment)',
  ]).action(async (options: LsOptions, command: Command) => {
    const limit = wholeNumber(options.limit, '--limit', 1);
    if (limit > 1000) throw new CliError('--limit takes at most 1000 tasks a page: use --all for everything', EXIT.usage);
    const paging = [options.cursor, options.page, options.all].filter((value) => value !== undefined).length;
    if (paging > 1) throw new CliError('--cursor, --page and --all do not go together: pick one', EXIT.usage);
    // The store knows statuses; a blocked task is a queued one still waiting for dependencies.
    const statuses =
      options.status === undefined ? undefined : [...new Set(options.status.map((state) => (state === 'blocked' ? 'queued' : state)))];
    const blockedOnly = options.status?.includes('blocked') === true && !options.status.includes('queued');
    const query: TaskQuery = {
      ...(statuses === undefined ? {} : { statuses }),
      ...(options.label.length === 0 ? {} : { labels: options.label }),
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      ...(options.since === undefined ? {} : { createdAfter: pointInTime(options.since, Date.now(), '--since') }),
      // One `now` for every page: a running task's duration does not grow between them.
      ...(options.sort === undefined ? {} : { order: options.sort, now: Date.now() }),
      ...(options.reverse === true ? { reverse: true } : {}),
    };
    await withClaudine(
      command,
      async (claudine, terminal) => {
        const list = blockedOnly ? (paged: TaskQuery) => listBlocked(claudine, paged) : (paged: TaskQuery) => claudine.list(paged);
        const page = await readPage(list, query, limit, options);
        const { tasks } = page;
        const orphaned = await claudine.orphanedIds(tasks);
        if (options.json === true) {
          printJson(TaskListJson, {
            tasks: tasks.map((task) => ({ ...task, hostGone: orphaned.has(task.id) })),
            nextCursor: page.nextCursor,
          });
          return;
        }
        if (options.quiet === true) {
          if (tasks.length > 0) process.stdout.write(`${tasks.map((task) => task.id).join('\n')}\n`);
          return;
        }
        if (tasks.length === 0) {
          const filtered = Object.keys(query).length > 0 || options.cursor !== undefined || options.page !== undefined;
          process.stdout.write(filtered ? 'No task matches.\n' : 'No tasks yet. Submit one with: claudine run "<what to do>"\n');
          return;
        }
        process.stdout.write(`${taskTable(terminal, tasks, orphaned)}\n`);
        if (page.nextCursor !== null) {
          const next = options.page === undefined ? `--cursor ${page.nextCursor}` : `--page ${Number(options.page) + 1}`;
          process.stdout.write(`${paint(terminal, 'dim', `${tasks.length} shown; more with ${next}`)}\n`);
        }
      },
      { autoStartHost: true },
    );
  });
}

// A page of the store with only the queued tasks that wait for dependencies kept (and the tasks
// in other states asked for); pages left empty are skipped, so only the last one is empty.
async function listBlocked(claudine: Claudine, query: TaskQuery): Promise<TaskPage> {
  let paged = query;
  for (;;) {
    const page = await claudine.list(paged);
    const tasks = page.tasks.filter((task) => task.status !== 'queued' || task.blockedBy.length > 0);
    if (tasks.length > 0 || page.nextCursor === null) return { tasks, nextCursor: page.nextCursor };
    paged = { ...query, cursor: page.nextCursor };
  }
}

async function readPage(
  list: (query: TaskQuery) => Promise<TaskPage>,
  query: TaskQuery,
  limit: number,
  options: LsOptions,
): Promise<TaskPage> {
  if (options.all === true) {
    const tasks: Task[] = [];
    let cursor: number | undefined;
    for (;;) {
      const page = await list({ ...query, limit: ALL_PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) });
      tasks.push(...page.tasks);
      if (page.nextCursor === null) return { tasks, nextCursor: null };
      cursor = page.nextCursor;
    }
  }
  if (options.cursor !== undefined) return list({ ...query, limit, cursor: wholeNumber(options.cursor, '--cursor', 1) });
  const pageNumber = options.page === undefined ? 1 : wholeNumber(options.page, '--page', 1);
  // A page number is the cursor chain walked from the start: the store pages by cursor, which
  // stays right while tasks are added.
  let cursor: number | undefined;
  for (let number = 1; ; number += 1) {
    const page = await list({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) });
    if (number === pageNumber) return page;
    if (page.nextCursor === null) return { tasks: [], nextCursor: null };
    cursor = page.nextCursor;
  }
}

/** Commander parser for `--status a,b`: every part must be a task state, or `blocked`. */
export function parseStatuses(value: string, previous: ListedState[] | undefined): ListedState[] {
  const statuses = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const status of statuses) {
    if (!(LISTED_STATES as readonly string[]).includes(status)) {
      throw new InvalidArgumentError(`"${status}" is not a state; use ${LISTED_STATES.join(', ')}`);
    }
  }
  return [...(previous ?? []), ...(statuses as ListedState[])];
}
