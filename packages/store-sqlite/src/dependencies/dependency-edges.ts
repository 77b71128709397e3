import { type DependencyChange, err, findDependencyCycle, ok, type Result, type UpdateDependenciesError } from '@claudine/core';
import { Refusal, refusalOf, type StoreContext } from '../store-context.js';
import { endByDependency, propagateEnd, recountPending } from './dependency-propagation.js';
import { describeBroken, lookupTasks, planningView, taskDependencyState } from './dependency-reads.js';

// How many reverse edges `task_dependents_recent` collects before they move into the merged
// table. Small enough that the table stays a few hundred pages, which each commit rewrites; large
// enough that the merged table, which each merge rewrites, is rewritten rarely.
const MERGE_AT = 50_000;

/**
 * Records the reverse edges of new tasks (whose rows already list their dependencies), given as
 * `[dependency seq, task seq]` pairs, in one statement, into `task_dependents_recent` (migration
 * 13); moves that table into `task_dependents_merged` once it is large. Their dependencies were
 * all stored before them, so nothing waits for them yet and their edges close no cycle: no
 * search is needed.
 */
export function insertDependents(context: StoreContext, edges: Array<[number, number]>): void {
  if (edges.length === 0) return;
  // In key order: the inserts then walk the index forward, each leaf touched once.
  edges.sort((left, right) => left[0] - right[0] || left[1] - right[1]);
  context.sql.run(
    'dependents.insertAll',
    'INSERT INTO task_dependents_recent (depends_on_seq, task_seq) SELECT value ->> 0, value ->> 1 FROM json_each(?)',
    JSON.stringify(edges),
  );
  const recent = context.sql.pluck<number>('dependents.recentCount', 'SELECT COUNT(*) FROM task_dependents_recent')[0] ?? 0;
  if (recent >= MERGE_AT) mergeRecentDependents(context);
}

/** Moves every edge of `task_dependents_recent` into `task_dependents_merged`, in key order. */
export function mergeRecentDependents(context: StoreContext): void {
  context.sql.run(
    'dependents.merge',
    // OR IGNORE: an edge in both tables (which `db check` reports) must not stop every later
    // batch of tasks from being stored.
    'INSERT OR IGNORE INTO task_dependents_merged (depends_on_seq, task_seq) SELECT depends_on_seq, task_seq FROM task_dependents_recent',
  );
  context.sql.run('dependents.clearRecent', 'DELETE FROM task_dependents_recent');
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
  // Every task the change names, the changed one included (its seq keys both directions).
  const known = lookupTasks(context, [id, ...remove, ...(change.add ?? [])]);
  const taskSeq = (known.get(id) as { seq: number }).seq;
  for (const dependency of remove) {
    const dependencySeq = (known.get(dependency) as { seq: number }).seq;
    // Both directions: the task's row, then the reverse edge.
    context.sql.run(
      'dependencies.delete',
      `UPDATE tasks SET dependency_seqs = nullif(
         (SELECT json_group_array(d.value) FROM json_each(tasks.dependency_seqs) AS d WHERE d.value != ?), '[]')
       WHERE seq = ?`,
      dependencySeq,
      taskSeq,
    );
    // The edge is in one of the two tables of migration 13.
    for (const table of ['merged', 'recent']) {
      context.sql.run(
        `dependents.delete.${table}`,
        `DELETE FROM task_dependents_${table} WHERE depends_on_seq = ? AND task_seq = ?`,
        dependencySeq,
        taskSeq,
      );
    }
    existing.delete(dependency);
  }
  const add = [...new Set(change.add ?? [])].filter((dependency) => !existing.has(dependency));
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
    const dependencySeq = (known.get(dependency) as { seq: number }).seq;
    context.sql.run(
      'dependencies.insert',
      `UPDATE tasks SET dependency_seqs = json_insert(coalesce(dependency_seqs, '[]'), '$[#]', ?) WHERE seq = ?`,
      dependencySeq,
      taskSeq,
    );
    context.sql.run(
      'dependents.insert',
      'INSERT INTO task_dependents_recent (depends_on_seq, task_seq) VALUES (?, ?)',
      dependencySeq,
      taskSeq,
    );
  }
  const broken = recountPending(context, id, now)?.broken;
  if (broken !== undefined) {
    const status = task.policy === 'fail' ? 'failed' : 'cancelled';
    endByDependency(context, id, status, describeBroken(context, broken), now);
    propagateEnd(context, id, status, now);
  }
}
