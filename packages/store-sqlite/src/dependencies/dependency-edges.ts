import { type DependencyChange, err, findDependencyCycle, ok, type Result, type UpdateDependenciesError } from '@claudine/core';
import { Refusal, refusalOf, type StoreContext } from '../store-context.js';
import { endByDependency, propagateEnd, recountPending } from './dependency-propagation.js';
import { describeBroken, lookupTasks, planningView, taskDependencyState } from './dependency-reads.js';

/**
 * Records the edges of the task just inserted with `taskSeq`, in one statement. Its dependencies
 * were all stored before it, so nothing waits for it yet and its edges close no cycle: no
 * search is needed.
 */
export function insertEdges(context: StoreContext, taskSeq: number, dependencySeqs: readonly number[]): void {
  if (dependencySeqs.length === 0) return;
  context.sql.run(
    'dependencies.insertAll',
    'INSERT INTO task_dependencies (task_seq, depends_on_seq) SELECT ?, value FROM json_each(?)',
    taskSeq,
    JSON.stringify(dependencySeqs),
  );
}

/**
 * See `TaskStore.updateDependencies`. Runs in a savepoint of the caller's transaction, so a
 * refusal half-way (a cycle after some edges went in) leaves nothing behind.
 */
export function updateDependencies(
  context: StoreContext,
  id: string,
  change: DependencyChange,
  now: number,
): Result<string, UpdateDependenciesError> {
  try {
    context.db.transaction(() => applyChange(context, id, change, now))();
    return ok(id);
  } catch (error) {
    const refusal = refusalOf<UpdateDependenciesError>(error);
    if (refusal !== undefined) return err(refusal.error);
    throw error;
  }
}

function applyChange(context: StoreContext, id: string, change: DependencyChange, now: number): void {
  const task = taskDependencyState(context, id);
  if (task === undefined) throw new Refusal({ kind: 'not_found', id, message: `no task has id ${id}` });
  if (task.status !== 'queued') {
    throw new Refusal({
      kind: 'not_queued',
      id,
      status: task.status,
      message: `task ${id} is ${task.status}: only a queued task's dependencies can change. Submit a new task with the dependencies you want instead.`,
    });
  }
  const existing = new Set(planningView(context).dependenciesOf(id));
  const remove = [...new Set(change.remove ?? [])];
  const notDependencies = remove.filter((dependency) => !existing.has(dependency));
  if (notDependencies.length > 0) {
    throw new Refusal({
      kind: 'unknown_dependency',
      ids: notDependencies,
      message: `task ${id} does not depend on ${notDependencies.join(', ')}: there is nothing to remove. Its dependencies are ${existing.size === 0 ? 'none' : [...existing].join(', ')}.`,
    });
  }
  for (const dependency of remove) {
    context.sql.run(
      'dependencies.delete',
      `DELETE FROM task_dependencies
       WHERE task_seq = (SELECT seq FROM tasks WHERE id = ?) AND depends_on_seq = (SELECT seq FROM tasks WHERE id = ?)`,
      id,
      dependency,
    );
    existing.delete(dependency);
  }
  const add = [...new Set(change.add ?? [])].filter((dependency) => !existing.has(dependency));
  const known = lookupTasks(context, add);
  const missing = add.filter((dependency) => !known.has(dependency));
  if (missing.length > 0) {
    throw new Refusal({
      kind: 'unknown_dependency',
      ids: missing,
      message: `unknown task id${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}. List tasks with \`claudine ls\` to find the right ids.`,
    });
  }
  const view = planningView(context);
  for (const dependency of add) {
    // Checked edge by edge, each against the edges already added: two new edges may close a
    // cycle together.
    const cycle = findDependencyCycle(view, id, dependency);
    if (cycle !== undefined) throw new Refusal(cycle);
    context.sql.run(
      'dependencies.insert',
      'INSERT INTO task_dependencies (task_seq, depends_on_seq) VALUES ((SELECT seq FROM tasks WHERE id = ?), ?)',
      id,
      (known.get(dependency) as { seq: number }).seq,
    );
  }
  const broken = recountPending(context, id, now)?.broken;
  if (broken !== undefined) {
    const status = task.policy === 'fail' ? 'failed' : 'cancelled';
    endByDependency(context, id, status, describeBroken(context, broken), now);
    propagateEnd(context, id, status, now);
  }
}
