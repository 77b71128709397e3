import {
  type DependencyPlanningView,
  type DependencyPolicy,
  type DependencyState,
  dependencyEndDetail,
  type FailureReason,
  type PlannedTaskState,
  type TaskStatus,
} from '@claudine/core';
import type { StoreContext } from '../store-context.js';

// What the dependency rules of core read from the tables. Edges are kept by `seq` (an integer,
// in submission order) rather than by id: a new task's edges then go at the end of the table's
// primary key, and both of its indexes stay small.

/** A task as a dependency, with the `seq` its edges are keyed by. */
export interface StoredDependencyState extends DependencyState {
  readonly seq: number;
}

/**
 * The tasks among `ids` that exist, by id, read in one statement. Ids are looked up in sorted
 * order, so the walk of the index moves forward, and from `tasks_id_status` alone (migration
 * 12): it holds the `seq` and the status, so no row is read. They come as tuples, since a large
 * batch reads one per edge.
 */
export function lookupTasks(context: StoreContext, ids: readonly string[]): Map<string, StoredDependencyState> {
  const found = new Map<string, StoredDependencyState>();
  if (ids.length === 0) return found;
  const rows = context.sql.tuples<[number, string, TaskStatus]>(
    'dependencies.lookup',
    // INDEXED BY: the planner would otherwise pick the unique id index, then read each row.
    'SELECT t.seq, t.id, t.status FROM json_each(?) AS j JOIN tasks AS t INDEXED BY tasks_id_status ON t.id = j.value',
    JSON.stringify([...new Set(ids)].sort()),
  );
  for (const [seq, id, status] of rows) found.set(id, { seq, id, status });
  return found;
}

/** The graph and task states as core's planners read them, inside the caller's transaction. */
export function planningView(context: StoreContext): DependencyPlanningView {
  return {
    dependentsOf: (id) => dependentsOf(context, id),
    dependenciesOf: (id) =>
      context.sql.pluck<string>(
        'dependencies.of',
        `SELECT u.id FROM tasks AS t, json_each(t.dependency_seqs) AS d JOIN tasks AS u ON u.seq = d.value WHERE t.id = ?`,
        id,
      ),
    stateOf: (id) => taskDependencyState(context, id),
  };
}

/** The tasks that wait directly for `id`. */
export function dependentsOf(context: StoreContext, id: string): string[] {
  return context.sql.pluck<string>(
    'dependents.of',
    `SELECT t.id FROM task_dependents AS d JOIN tasks AS t ON t.seq = d.task_seq
     WHERE d.depends_on_seq = (SELECT seq FROM tasks WHERE id = ?)`,
    id,
  );
}

/** The id and state of each dependency of `id`. */
export function dependencyStates(context: StoreContext, id: string): DependencyState[] {
  return context.sql.all<DependencyState>(
    'dependencies.states',
    `SELECT u.id, u.status FROM tasks AS t, json_each(t.dependency_seqs) AS d JOIN tasks AS u ON u.seq = d.value WHERE t.id = ?`,
    id,
  );
}

/** The state of `id` as the planners need it, if it exists. */
export function taskDependencyState(context: StoreContext, id: string): PlannedTaskState | undefined {
  return context.sql.get<{ status: TaskStatus; policy: DependencyPolicy; failureReason: FailureReason | null }>(
    'tasks.dependencyState',
    'SELECT status, dependency_policy AS policy, failure_reason AS failureReason FROM tasks WHERE id = ?',
    id,
  );
}

/**
 * The explanation for a task ended at once by `broken`, a dependency that already failed or was
 * cancelled. When `broken` itself ended because of a dependency, the chain is followed up to the
 * task whose own failure started it, so the message names it as propagation would.
 */
export function describeBroken(context: StoreContext, broken: DependencyState): string {
  const seen = new Set<string>();
  let root: DependencyState = broken;
  while (!seen.has(root.id)) {
    seen.add(root.id);
    if (taskDependencyState(context, root.id)?.failureReason !== 'dependency_failed') break;
    const cause = dependencyStates(context, root.id).find(
      (dependency) => dependency.status === 'failed' || dependency.status === 'cancelled',
    );
    if (cause === undefined) break;
    root = cause;
  }
  return dependencyEndDetail(broken.id, broken.status as 'failed' | 'cancelled', root.id, root.status as 'failed' | 'cancelled');
}
