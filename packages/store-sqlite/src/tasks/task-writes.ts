import {
  assessDependencies,
  type CreateTaskError,
  err,
  type FailureReason,
  type NewTask,
  ok,
  priorityRank,
  type Result,
  type Task,
  type TaskStatus,
} from '@claudine/core';
import { insertDependents } from '../dependencies/dependency-edges.js';
import { describeBroken, lookupTasks, type StoredDependencyState } from '../dependencies/dependency-reads.js';
import type { StoreContext } from '../store-context.js';
import { storeTaskEnvironment } from './task-environments.js';
import { loadTasksBySeq } from './task-queries.js';
import type { TaskDependencyIds } from './task-row.js';

/**
 * Stores new tasks in the caller's transaction, in order; a task may depend on tasks stored
 * before it, in the database or earlier in `tasks`. Returns the first refusal (an unknown
 * dependency, an id already taken); the caller rolls the transaction back then.
 *
 * Set-based where it counts: every id the batch names is looked up in one statement, each
 * task's row (its dependencies in it) goes in with one, the batch's reverse edges with one, and
 * the stored tasks are read back with one, their dependencies filled in from the lookup. No
 * cycle search: a new task's dependencies were all stored before it, so nothing can wait for it.
 */
export function insertTasks(context: StoreContext, tasks: readonly NewTask[]): Result<Task[], CreateTaskError> {
  const ids: string[] = [];
  for (const task of tasks) ids.push(task.id, ...task.dependsOn);
  // Every task the batch names that exists, and then the batch's own tasks as they go in, for
  // the ones after them that depend on them.
  const known = lookupTasks(context, ids);
  const seqs: number[] = [];
  const dependencyIds: TaskDependencyIds[] = [];
  const reverseEdges: Array<[number, number]> = [];
  for (const task of tasks) {
    const dependencies: StoredDependencyState[] = [];
    const dependsOn: string[] = [];
    const waitingFor: string[] = [];
    const missing: string[] = [];
    for (const id of distinct(task.dependsOn)) {
      const dependency = known.get(id);
      if (dependency === undefined) {
        missing.push(id);
        continue;
      }
      dependencies.push(dependency);
      dependsOn.push(id);
      if (dependency.status === 'queued' || dependency.status === 'running') waitingFor.push(id);
    }
    if (missing.length > 0) {
      return err({
        kind: 'unknown_dependency',
        ids: missing,
        message: `unknown task id${missing.length > 1 ? 's' : ''} in dependsOn: ${missing.join(', ')}. List tasks with \`claudine ls\` to find the right ids.`,
      });
    }
    if (known.has(task.id)) {
      return err({ kind: 'duplicate_id', id: task.id, message: `a task with id ${task.id} already exists` });
    }
    const dependencySeqs = dependencies.length === 0 ? null : JSON.stringify(dependencies.map((dependency) => dependency.seq));
    const row = insertTask(context, task, dependencies, dependencySeqs);
    for (const dependency of dependencies) reverseEdges.push([dependency.seq, row.seq]);
    if (task.environment !== undefined) storeTaskEnvironment(context.sql, task.id, task.environment);
    known.set(task.id, row);
    seqs.push(row.seq);
    dependencyIds.push({ dependsOn, waitingFor });
  }
  insertDependents(context, reverseEdges);
  return ok(loadTasksBySeq(context, seqs, dependencyIds));
}

// The ids once each, in order: the array itself when no id repeats (most lists are short, and
// compared directly; a long one goes through a set).
function distinct(ids: readonly string[]): readonly string[] {
  if (ids.length > 16) return [...new Set(ids)];
  for (let index = 1; index < ids.length; index += 1) {
    if (ids.lastIndexOf(ids[index] as string, index - 1) >= 0) return [...new Set(ids)];
  }
  return ids;
}

// Inserts the task's row; returns it as its dependents will see it.
function insertTask(
  context: StoreContext,
  task: NewTask,
  dependencies: readonly StoredDependencyState[],
  dependencySeqs: string | null,
): StoredDependencyState {
  // A dependency that already failed decides the new task's fate at once under the fail and
  // cancel policies (under `run` it counts as settled). A new task has no dependents yet, so
  // nothing propagates.
  const { pending, broken } = assessDependencies(task.dependencyPolicy, dependencies);
  let status: TaskStatus = 'queued';
  let failureReason: FailureReason | null = null;
  let detail: string | null = null;
  if (broken !== undefined) {
    status = task.dependencyPolicy === 'fail' ? 'failed' : 'cancelled';
    failureReason = 'dependency_failed';
    detail = describeBroken(context, broken);
  }
  const info = context.sql.run(
    'tasks.insert',
    `INSERT INTO tasks (id, status, priority, agent, prompt, cwd, agent_options, labels, timeout_ms,
       max_retries, dependency_policy, pass_dependency_results, notify, dependency_seqs, pending_dependencies,
       created_at, updated_at, finished_at, failure_reason, status_detail, worktree)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    task.id,
    status,
    priorityRank(task.priority),
    task.agent,
    task.prompt,
    task.cwd,
    JSON.stringify(task.agentOptions),
    JSON.stringify(task.labels),
    task.timeoutMs,
    task.maxRetries,
    task.dependencyPolicy,
    task.passDependencyResults ? 1 : 0,
    task.notify === undefined || task.notify === null ? null : task.notify ? 1 : 0,
    dependencySeqs,
    pending,
    task.createdAt,
    task.createdAt,
    status === 'queued' ? null : task.createdAt,
    failureReason,
    detail,
    task.worktree === undefined || task.worktree === null
      ? null
      : JSON.stringify({
          request: task.worktree.request,
          path: task.worktree.path,
          setup: task.worktree.setup,
          stackedOn: task.worktree.stackedOn ?? null,
        }),
  );
  return { seq: Number(info.lastInsertRowid), id: task.id, status };
}
