import {
  ClaudineError,
  TASK_STATUSES,
  type Task,
  type TaskAttempt,
  type TaskOrder,
  type TaskPage,
  type TaskQuery,
  type TaskStatus,
} from '@claudine/core';
import type { StoreContext } from '../store-context.js';
import {
  TASK_COLUMNS,
  TASK_ROW_COLUMNS,
  type TaskColumnsRow,
  type TaskDependencyIds,
  type TaskRow,
  taskFromColumns,
  taskFromRow,
} from './task-row.js';

// The reads of the store: one task, pages of tasks, counts, and what a host asks between claims.

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

// The ORDER BY of each list order: terms and whether each ascends (before `reverse`). Ties go
// newest first. `duration` takes the time running tasks count to as its one parameter.
const ORDER_TERMS: Readonly<Record<TaskOrder, ReadonlyArray<readonly [string, boolean]>>> = {
  created: [['t.seq', false]],
  priority: [
    ['t.priority', true],
    ['t.seq', false],
  ],
  status: [
    ["CASE t.status WHEN 'running' THEN 0 WHEN 'queued' THEN 1 WHEN 'failed' THEN 2 WHEN 'cancelled' THEN 3 ELSE 4 END", true],
    ['t.seq', false],
  ],
  duration: [
    ['CASE WHEN t.started_at IS NULL THEN -1 ELSE COALESCE(t.finished_at, ?) - t.started_at END', false],
    ['t.seq', false],
  ],
};

/** The task with this id, if any. */
export function findTask(context: StoreContext, id: string): Task | undefined {
  const row = context.sql.get<TaskRow>('tasks.byId', `SELECT ${TASK_COLUMNS} FROM tasks AS t WHERE t.id = ?`, id);
  return row === undefined ? undefined : taskFromRow(row);
}

/** The task with this id, which the caller's transaction just wrote. */
export function loadTask(context: StoreContext, id: string): Task {
  const task = findTask(context, id);
  if (task === undefined) throw new ClaudineError('internal', `task ${id} vanished inside a transaction`);
  return task;
}

/**
 * The tasks with these `seq`s, in `seq` order, in one statement, given their dependencies (the
 * caller just wrote them, and knows each dependency's state: reading them back would walk every
 * edge again).
 */
export function loadTasksBySeq(context: StoreContext, seqs: readonly number[], dependencies: readonly TaskDependencyIds[]): Task[] {
  if (seqs.length === 0) return [];
  const rows = context.sql.all<TaskColumnsRow>(
    'tasks.bySeqs',
    `SELECT ${TASK_ROW_COLUMNS} FROM tasks AS t WHERE t.seq IN (SELECT value FROM json_each(?)) ORDER BY t.seq`,
    JSON.stringify(seqs),
  );
  return rows.map((row, index) => taskFromColumns(row, dependencies[index] as TaskDependencyIds));
}

/** See `TaskStore.list`. */
export function listTasks(context: StoreContext, query: TaskQuery): TaskPage {
  const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_PAGE), MAX_PAGE);
  const conditions: string[] = [];
  const parameters: unknown[] = [];
  if (query.statuses !== undefined && query.statuses.length === 1) {
    // One state: the (status, seq) index yields rows already in order, no sort.
    conditions.push('t.status = ?');
    parameters.push(query.statuses[0]);
  } else if (query.statuses !== undefined && query.statuses.length > 1) {
    conditions.push(`t.status IN (SELECT value FROM json_each(?))`);
    parameters.push(JSON.stringify(query.statuses));
  }
  if (query.agent !== undefined) {
    conditions.push('t.agent = ?');
    parameters.push(query.agent);
  }
  const labels = [...new Set(query.labels ?? [])];
  if (labels.length > 0) {
    // One statement shape for any number of labels: as many distinct matches as labels asked.
    conditions.push('(SELECT COUNT(DISTINCT value) FROM json_each(t.labels) WHERE value IN (SELECT value FROM json_each(?))) = ?');
    parameters.push(JSON.stringify(labels), labels.length);
  }
  if (query.createdAfter !== undefined) {
    conditions.push('t.created_at >= ?');
    parameters.push(query.createdAfter);
  }
  if (query.worktree === true) conditions.push('t.worktree IS NOT NULL');
  const order = query.order ?? 'created';
  const reverse = query.reverse === true;
  // The default order pages by `seq`, which stays exact while tasks are added; the others
  // sort the whole result and page by position.
  const byPosition = order !== 'created' || reverse;
  if (!byPosition && query.cursor !== undefined) {
    conditions.push('t.seq < ?');
    parameters.push(query.cursor);
  }
  const offset = byPosition ? (query.cursor ?? 0) : 0;
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const orderBy = ORDER_TERMS[order].map(([term, ascending]) => `${term} ${ascending !== reverse ? 'ASC' : 'DESC'}`).join(', ');
  // The statement text depends only on which filters are present and the order, so few
  // shapes are prepared and cached; values are always bound parameters.
  const rows = context.sql.all<TaskRow>(
    `tasks.list:${where}:${order}:${reverse}`,
    `SELECT ${TASK_COLUMNS} FROM tasks AS t ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
    ...parameters,
    ...(order === 'duration' ? [query.now ?? Date.now()] : []),
    limit + 1,
    offset,
  );
  const page = rows.slice(0, limit).map(taskFromRow);
  const last = page[page.length - 1];
  const more = rows.length > limit && last !== undefined;
  return { tasks: page, nextCursor: !more ? null : byPosition ? offset + limit : last.seq };
}

/** See `TaskStore.countByStatus`. */
export function countByStatus(context: StoreContext): Record<TaskStatus, number> {
  const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
  const rows = context.sql.all<{ status: TaskStatus; n: number }>('tasks.count', 'SELECT status, COUNT(*) AS n FROM tasks GROUP BY status');
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** See `TaskStore.nextNotBefore`. */
export function nextNotBefore(context: StoreContext, now: number): number | undefined {
  const row = context.sql.get<{ at: number | null }>(
    'tasks.nextNotBefore',
    "SELECT MIN(not_before) AS at FROM tasks INDEXED BY tasks_waiting_retry WHERE status = 'queued' AND not_before IS NOT NULL AND not_before > ?",
    now,
  );
  return row?.at ?? undefined;
}

/** See `TaskStore.cancelRequests`. */
export function cancelRequests(context: StoreContext, owner: string): Task[] {
  return context.sql
    .all<TaskRow>(
      'tasks.cancelRequests',
      `SELECT ${TASK_COLUMNS} FROM tasks AS t WHERE t.owner = ? AND t.status = 'running' AND t.cancel_requested_at IS NOT NULL`,
      owner,
    )
    .map(taskFromRow);
}

interface AttemptRow {
  attempt: number;
  owner: string;
  started_at: number;
  finished_at: number | null;
  outcome: string | null;
  failure_reason: string | null;
  detail: string | null;
  exit_code: number | null;
  signal: string | null;
}

/** Every recorded run of a task, first first; empty for an unknown task. */
export function taskAttempts(context: StoreContext, taskId: string): TaskAttempt[] {
  return context.sql
    .all<AttemptRow>(
      'attempts.list',
      `SELECT attempt, owner, started_at, finished_at, outcome, failure_reason, detail, exit_code, signal
       FROM task_attempts WHERE task_id = ? ORDER BY attempt`,
      taskId,
    )
    .map((row) => ({
      attempt: row.attempt,
      owner: row.owner,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      outcome: row.outcome,
      failureReason: row.failure_reason,
      detail: row.detail,
      exitCode: row.exit_code,
      signal: row.signal,
    }));
}

/** A number that changes whenever another connection commits (`PRAGMA data_version`). */
export function dataVersion(context: StoreContext): number {
  // A cached statement: `db.pragma()` would prepare one at every call, and hosts call this often.
  return context.sql.get<{ data_version: number }>('pragma.dataVersion', 'PRAGMA data_version')?.data_version ?? 0;
}

/** True when a task is queued or running. */
export function hasUnfinishedTasks(context: StoreContext): boolean {
  return context.sql.get('tasks.busy', "SELECT 1 AS n FROM tasks WHERE status IN ('queued', 'running') LIMIT 1") !== undefined;
}
