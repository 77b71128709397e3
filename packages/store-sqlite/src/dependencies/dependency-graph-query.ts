import type { TaskGraph, TaskGraphQuery } from '@claudine/core';
import type { StoreContext } from '../store-context.js';
import { TASK_COLUMNS, type TaskRow, taskFromRow } from '../tasks/task-row.js';
import { workflowWalk } from './workflow-walk.js';

const MAX_GRAPH = 5000;
const DEFAULT_GRAPH = 500;

/** See `TaskStore.graph`. */
export function readGraph(context: StoreContext, query: TaskGraphQuery): TaskGraph {
  const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_GRAPH), MAX_GRAPH);
  let seeds: number[];
  if (query.taskId !== undefined) seeds = context.sql.pluck<number>('graph.seedOf', 'SELECT seq FROM tasks WHERE id = ?', query.taskId);
  else {
    seeds = context.sql.pluck<number>(
      'graph.activeSeeds',
      "SELECT seq FROM tasks WHERE status IN ('queued', 'running') ORDER BY seq LIMIT ?",
      limit,
    );
    if (seeds.length === 0) {
      seeds = context.sql.pluck<number>(
        'graph.latestSeed',
        // The newest task that depends on something: the newest workflow.
        `SELECT seq FROM tasks WHERE dependency_seqs IS NOT NULL ORDER BY seq DESC LIMIT 1`,
      );
    }
  }
  if (seeds.length === 0) return { tasks: [], truncated: false };
  // The workflow is everything linked by edges in either direction, up to the limit.
  const rows = context.sql.all<TaskRow>(
    'graph.component',
    `${workflowWalk('SELECT value FROM json_each(?)', 'LIMIT ?')}
     SELECT ${TASK_COLUMNS} FROM workflow AS w CROSS JOIN tasks AS t ON t.seq = w.seq ORDER BY t.seq`,
    JSON.stringify(seeds),
    limit + 1,
  );
  return { tasks: rows.slice(0, limit).map(taskFromRow), truncated: rows.length > limit };
}
