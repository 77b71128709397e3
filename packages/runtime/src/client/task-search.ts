import type { Task, TaskPage, TaskQuery } from '@claudine/core';

/** Options for {@link searchTasks}. */
export interface TaskSearchOptions {
  /** Most matches returned (default 50). */
  readonly limit?: number;
  /**
   * Most tasks looked at in one call (default 20,000): a rare word in a large store is found
   * page by page, each call continuing where the previous one stopped, instead of one call
   * reading every task.
   */
  readonly scanLimit?: number;
}

/** One page of matches, and how many tasks were read to find them. */
export interface TaskSearchPage extends TaskPage {
  readonly scanned: number;
}

const SCAN_PAGE = 1000;

/**
 * The tasks of `query` whose id, prompt or labels contain `text` (case-insensitive), in the
 * query's order, paged like `list`: `nextCursor` continues the same search (pass it back as
 * `query.cursor`). A page may hold fewer than `limit` matches and still have a next page, when
 * the scan limit was reached first.
 */
export async function searchTasks(
  list: (query: TaskQuery) => Promise<TaskPage>,
  query: TaskQuery,
  text: string,
  options: TaskSearchOptions = {},
): Promise<TaskSearchPage> {
  const limit = Math.max(1, options.limit ?? 50);
  const scanLimit = Math.max(limit, options.scanLimit ?? 20_000);
  const needle = text.trim().toLowerCase();
  if (needle === '') {
    const page = await list({ ...query, limit });
    return { ...page, scanned: page.tasks.length };
  }
  // TaskQuery documents its cursor: a seq in the default order (the next page holds the tasks
  // with a smaller seq), a position in the others. That lets a page end on its last match.
  const bySeq = (query.order ?? 'created') === 'created' && query.reverse !== true;
  const matches: Task[] = [];
  let cursor = query.cursor;
  let scanned = 0;
  for (;;) {
    const size = Math.min(SCAN_PAGE, scanLimit - scanned);
    const page = await list({ ...query, limit: size, ...(cursor === undefined ? {} : { cursor }) });
    const start = cursor ?? 0;
    for (let index = 0; index < page.tasks.length; index += 1) {
      const task = page.tasks[index] as Task;
      scanned += 1;
      if (!matchesText(task, needle)) continue;
      matches.push(task);
      if (matches.length === limit) {
        const last = index === page.tasks.length - 1;
        const nextCursor = last ? page.nextCursor : bySeq ? task.seq : start + index + 1;
        return { tasks: matches, nextCursor, scanned };
      }
    }
    if (page.nextCursor === null) return { tasks: matches, nextCursor: null, scanned };
    cursor = page.nextCursor;
    if (scanned >= scanLimit) return { tasks: matches, nextCursor: cursor, scanned };
  }
}

function matchesText(task: Task, needle: string): boolean {
  return (
    task.id.includes(needle) ||
    task.prompt.toLowerCase().includes(needle) ||
    task.labels.some((label) => label.toLowerCase().includes(needle))
  );
}
