import type { Claudine } from '@claudine/runtime';
import { searchTasks } from '@claudine/runtime';
import type { TaskDetailResponse, TaskListResponse } from './api-types.js';
import { parseTaskListParameters } from './task-list-parameters.js';
import { taskActions, taskRow, taskView } from './task-views.js';
import type { UsageRecorder } from './usage-recorder.js';
import { readWorktree, type WorktreeChanges } from './worktree-changes.js';

// A workflow bigger than this is "large": the task page only needs to know there is one.
const WORKFLOW_PROBE_LIMIT = 500;

/**
 * `GET /api/tasks`: one page of the table, filtered, sorted and searched as the URL says, read
 * by the store a page at a time (the first page of 100,000 tasks costs what the first of 100 does).
 */
export async function listTasks(claudine: Claudine, parameters: URLSearchParams): Promise<TaskListResponse | { readonly error: string }> {
  const request = parseTaskListParameters(parameters, Date.now());
  if ('error' in request) return request;
  if (request.search === '') {
    const page = await claudine.list(request.query);
    return { tasks: page.tasks.map(taskRow), nextCursor: page.nextCursor, scanned: null };
  }
  const page = await searchTasks((query) => claudine.list(query), request.query, request.search, {
    ...(request.query.limit === undefined ? {} : { limit: request.query.limit }),
  });
  return { tasks: page.tasks.map(taskRow), nextCursor: page.nextCursor, scanned: page.scanned };
}

/** `GET /api/tasks/:id`: everything the task page shows but the log. Throws `not_found`. */
export async function taskDetail(
  claudine: Claudine,
  id: string,
  usage: UsageRecorder,
  worktrees: WorktreeChanges | undefined,
): Promise<TaskDetailResponse> {
  const task = await claudine.get(id);
  const [attempts, metrics, graph] = await Promise.all([
    claudine.attempts(id),
    claudine.metrics.task(id),
    claudine.graph(id, { limit: WORKFLOW_PROBE_LIMIT }),
  ]);
  return {
    task: taskView(task),
    attempts,
    metrics,
    usage: usage.points(id),
    actions: taskActions(task),
    workflowSize: graph.tasks.length,
    worktree: readWorktree(task, worktrees),
  };
}
