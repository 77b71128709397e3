import {
  assessDependencies,
  type DependencyChange,
  type DependencyPlanningView,
  type DependencyPolicy,
  type DependencyState,
  dependencyCycle,
  dependencyEndDetail,
  err,
  type FailureReason,
  ok,
  type PlannedTaskState,
  planDependencyEnd,
  planDependencyRetry,
  type Result,
  type RetryTaskError,
  type TaskGraph,
  type TaskGraphQuery,
  type TaskStatus,
  transition,
  type UpdateDependenciesError,
} from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';
import { PreparedStatements } from './prepared-statements.js';
import { TASK_COLUMNS, type TaskRow, taskFromRow } from './task-row.js';

type Database = BetterSqlite3.Database;

const MAX_GRAPH = 5000;
const DEFAULT_GRAPH = 500;

// Thrown inside a transaction to roll it back and hand an expected refusal to the caller.
class Refusal<E> {
  readonly error: E;
  constructor(error: E) {
    this.error = error;
  }
}

/**
 * Everything the SQLite store does with dependencies, kept apart from the rest of the store. Each
 * method runs synchronously inside a transaction the caller opened, so a task's end and what it
 * does to its dependents commit together (or not at all).
 *
 * `tasks.pending_dependencies` counts, for a queued task, the dependencies it still waits for:
 * those queued or running (a completed one is settled, and so is one that failed or was
 * cancelled when the task's policy is `run`; under the other policies such a dependency ends the
 * task at once). The claim query reads only that column, so readiness is never a scan.
 */
export class DependencyQueries {
  readonly #db: Database;
  readonly #sql: PreparedStatements;

  constructor(db: Database) {
    this.#db = db;
    this.#sql = new PreparedStatements(db);
  }

  /** A dependency completed: its queued dependents wait for one fewer. Time in its number of dependents. */
  afterCompleted(id: string, now: number): void {
    // Driven from the edge index and updated by rowid. The plain form (`WHERE status = 'queued'
    // AND id IN (...)`) lets SQLite walk every queued task through the status index instead: a
    // cost that grows with the queue, which `pnpm bench dag-readiness` would show.
    this.#sql.run(
      'dependents.release',
      `UPDATE tasks SET pending_dependencies = pending_dependencies - 1, updated_at = ?
       WHERE seq IN (SELECT t.seq FROM task_dependencies AS d JOIN tasks AS t ON t.id = d.task_id
                     WHERE d.depends_on = ? AND t.status = 'queued')`,
      now,
      id,
    );
  }

  /**
   * A task failed or was cancelled (whoever recorded it: its host, recovery, a cancel request):
   * its queued dependents follow their policies, transitively. Returns how many tasks it ended.
   */
  afterEnded(id: string, status: 'failed' | 'cancelled', now: number): number {
    let ended = 0;
    for (const effect of planDependencyEnd(this.#view(), { taskId: id, status })) {
      if (effect.kind === 'settle') {
        this.#sql.run(
          'dependents.settle',
          `UPDATE tasks SET pending_dependencies = pending_dependencies - 1, updated_at = ? WHERE id = ? AND status = 'queued'`,
          now,
          effect.taskId,
        );
        continue;
      }
      this.#endByDependency(effect.taskId, effect.kind === 'fail' ? 'failed' : 'cancelled', effect.detail, now);
      ended += 1;
    }
    return ended;
  }

  /**
   * How a new task with `policy` stands towards `dependsOn`: unknown ids, or how many it waits for
   * and whether one already ended it.
   */
  assessNew(
    dependsOn: readonly string[],
    policy: DependencyPolicy,
  ): Result<{ pending: number; broken: DependencyState | undefined }, { missing: string[] }> {
    if (dependsOn.length === 0) return ok({ pending: 0, broken: undefined });
    const found = this.#sql.all<DependencyState>(
      'dependencies.lookup',
      'SELECT t.id, t.status FROM json_each(?) AS j JOIN tasks AS t ON t.id = j.value',
      JSON.stringify(dependsOn),
    );
    if (found.length !== dependsOn.length) {
      const known = new Set(found.map((row) => row.id));
      return err({ missing: dependsOn.filter((id) => !known.has(id)) });
    }
    const assessment = assessDependencies(policy, found);
    return ok({ pending: assessment.pending, broken: assessment.broken });
  }

  /**
   * The explanation for a task ended at once by `broken`, a dependency that already failed or was
   * cancelled. When `broken` itself ended because of a dependency, the chain is followed up to
   * the task whose own failure started it, so the message names it as propagation would.
   */
  describeBroken(broken: DependencyState): string {
    const seen = new Set<string>();
    let root: DependencyState = broken;
    while (!seen.has(root.id)) {
      seen.add(root.id);
      if (this.#state(root.id)?.failureReason !== 'dependency_failed') break;
      const cause = this.#dependencyStates(root.id).find(
        (dependency) => dependency.status === 'failed' || dependency.status === 'cancelled',
      );
      if (cause === undefined) break;
      root = cause;
    }
    return dependencyEndDetail(broken.id, broken.status as 'failed' | 'cancelled', root.id, root.status as 'failed' | 'cancelled');
  }

  /** Records the edges of a task just inserted. */
  insertEdges(id: string, dependsOn: readonly string[]): void {
    if (dependsOn.length === 0) return;
    // One statement for all of a task's edges rather than one per edge.
    this.#sql.run(
      'dependencies.insertAll',
      'INSERT INTO task_dependencies (task_id, depends_on) SELECT ?, value FROM json_each(?)',
      id,
      JSON.stringify(dependsOn),
    );
  }

  /** See `TaskStore.retry`. Returns the id to load, or why not. */
  retry(id: string, now: number): Result<string, RetryTaskError> {
    const task = this.#state(id);
    if (task === undefined) return err({ kind: 'not_found', id, message: `no task has id ${id}` });
    const allowed = transition(task.status, 'retry');
    if (!allowed.ok) return err(allowed.error);
    const broken = assessDependencies(task.policy, this.#dependencyStates(id)).broken;
    if (broken !== undefined) {
      return err({
        kind: 'dependency_failed',
        id,
        dependency: broken.id,
        message: `task ${id} cannot run again while its dependency ${broken.id} is ${broken.status}: retry ${broken.id} instead (the tasks that ended because of it are re-queued with it), or remove that dependency first.`,
      });
    }
    const plan = planDependencyRetry(this.#view(), id);
    for (const requeued of plan.requeue) {
      this.#sql.run(
        'tasks.retry',
        `UPDATE tasks SET status = 'queued', failure_reason = NULL, status_detail = ?, finished_at = NULL, not_before = NULL,
           cancel_requested_at = NULL, owner = NULL, lease_expires_at = NULL, pid = NULL, pid_start_time = NULL,
           exit_code = NULL, signal = NULL, report = NULL, warned_at = NULL, updated_at = ?
         WHERE id = ? AND status IN ('failed', 'cancelled')`,
        requeued === id ? 'retried on request' : `re-queued: it had ended because of task ${id}, which was retried`,
        now,
        requeued,
      );
    }
    // Counted once every re-queued task is queued again, so they wait for each other.
    for (const requeued of plan.requeue) this.#recountPending(requeued);
    for (const dependent of plan.unsettle) {
      this.#sql.run(
        'dependents.unsettle',
        `UPDATE tasks SET pending_dependencies = pending_dependencies + 1, updated_at = ? WHERE id = ? AND status = 'queued'`,
        now,
        dependent,
      );
    }
    return ok(id);
  }

  /**
   * See `TaskStore.updateDependencies`. Runs in a savepoint of the caller's transaction, so a
   * refusal half-way (a cycle after some edges went in) leaves nothing behind.
   */
  updateDependencies(id: string, change: DependencyChange, now: number): Result<string, UpdateDependenciesError> {
    try {
      this.#db.transaction(() => this.#applyChange(id, change, now))();
      return ok(id);
    } catch (error) {
      if (error instanceof Refusal) return err(error.error as UpdateDependenciesError);
      throw error;
    }
  }

  /** See `TaskStore.graph`. */
  graph(query: TaskGraphQuery): TaskGraph {
    const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_GRAPH), MAX_GRAPH);
    let seeds: string[];
    if (query.taskId !== undefined) seeds = [query.taskId];
    else {
      seeds = this.#sql.pluck<string>(
        'graph.activeSeeds',
        "SELECT id FROM tasks WHERE status IN ('queued', 'running') ORDER BY seq LIMIT ?",
        limit,
      );
      if (seeds.length === 0) {
        seeds = this.#sql.pluck<string>(
          'graph.latestSeed',
          // The newest task that depends on something: the newest workflow.
          `SELECT t.id FROM tasks AS t WHERE EXISTS (SELECT 1 FROM task_dependencies AS d WHERE d.task_id = t.id)
           ORDER BY t.seq DESC LIMIT 1`,
        );
      }
    }
    if (seeds.length === 0) return { tasks: [], truncated: false };
    // The workflow is everything linked by edges in either direction. UNION keeps each task once,
    // and the LIMIT stops the walk itself, so a huge graph costs no more than the limit. CROSS
    // JOIN keeps the workflow as the outer loop: left to itself the planner scans every task.
    const rows = this.#sql.all<TaskRow>(
      'graph.component',
      `WITH RECURSIVE workflow(id) AS (
         SELECT value FROM json_each(?)
         UNION
         SELECT d.depends_on FROM task_dependencies AS d JOIN workflow AS w ON d.task_id = w.id
         UNION
         SELECT d.task_id FROM task_dependencies AS d JOIN workflow AS w ON d.depends_on = w.id
         LIMIT ?
       )
       SELECT ${TASK_COLUMNS} FROM workflow AS w CROSS JOIN tasks AS t ON t.id = w.id ORDER BY t.seq`,
      JSON.stringify(seeds),
      limit + 1,
    );
    return { tasks: rows.slice(0, limit).map(taskFromRow), truncated: rows.length > limit };
  }

  #applyChange(id: string, change: DependencyChange, now: number): void {
    const task = this.#state(id);
    if (task === undefined) throw new Refusal({ kind: 'not_found', id, message: `no task has id ${id}` });
    if (task.status !== 'queued') {
      throw new Refusal({
        kind: 'not_queued',
        id,
        status: task.status,
        message: `task ${id} is ${task.status}: only a queued task's dependencies can change. Submit a new task with the dependencies you want instead.`,
      });
    }
    const existing = new Set(this.#sql.pluck<string>('dependencies.of', 'SELECT depends_on FROM task_dependencies WHERE task_id = ?', id));
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
      this.#sql.run('dependencies.delete', 'DELETE FROM task_dependencies WHERE task_id = ? AND depends_on = ?', id, dependency);
      existing.delete(dependency);
    }
    const add = [...new Set(change.add ?? [])].filter((dependency) => !existing.has(dependency));
    const known = this.assessNew(add, task.policy);
    if (!known.ok) {
      const missing = known.error.missing;
      throw new Refusal({
        kind: 'unknown_dependency',
        ids: missing,
        message: `unknown task id${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}. List tasks with \`claudine ls\` to find the right ids.`,
      });
    }
    for (const dependency of add) {
      const chain = this.#cycleChain(id, dependency);
      if (chain !== undefined) throw new Refusal(dependencyCycle(id, dependency, chain));
      this.#sql.run('dependencies.insert', 'INSERT INTO task_dependencies (task_id, depends_on) VALUES (?, ?)', id, dependency);
    }
    const assessment = assessDependencies(task.policy, this.#dependencyStates(id));
    this.#sql.run(
      'tasks.setPending',
      'UPDATE tasks SET pending_dependencies = ?, updated_at = ? WHERE id = ?',
      assessment.pending,
      now,
      id,
    );
    const broken = assessment.broken;
    if (broken !== undefined) {
      const status = task.policy === 'fail' ? 'failed' : 'cancelled';
      this.#endByDependency(id, status, this.describeBroken(broken), now);
      this.afterEnded(id, status, now);
    }
  }

  /**
   * The chain `[dependsOn, ..., taskId]` by which `dependsOn` already waits for `taskId`, or
   * undefined when adding "taskId waits for dependsOn" closes no cycle.
   */
  #cycleChain(taskId: string, dependsOn: string): string[] | undefined {
    if (taskId === dependsOn) return [taskId];
    // Reachability in SQL first: the walk goes down from the task through its dependents, which
    // for a task that has not started are few.
    const reached = this.#sql.get<{ found: number }>(
      'dependencies.reaches',
      `WITH RECURSIVE downstream(id) AS (
         SELECT ?
         UNION
         SELECT d.task_id FROM task_dependencies AS d JOIN downstream AS s ON d.depends_on = s.id
       )
       SELECT 1 AS found FROM downstream WHERE id = ? LIMIT 1`,
      taskId,
      dependsOn,
    );
    if (reached === undefined) return undefined;
    // Only when refusing: walk again with parents to name the cycle.
    const parent = new Map<string, string | null>([[taskId, null]]);
    for (let head = 0, frontier = [taskId]; head < frontier.length; head += 1) {
      const current = frontier[head] as string;
      for (const dependent of this.#dependentsOf(current)) {
        if (parent.has(dependent)) continue;
        parent.set(dependent, current);
        if (dependent === dependsOn) {
          const chain: string[] = [];
          for (let at: string | null = dependsOn; at !== null; at = parent.get(at) ?? null) chain.push(at);
          return chain;
        }
        frontier.push(dependent);
      }
    }
    return [dependsOn, taskId];
  }

  #endByDependency(id: string, status: 'failed' | 'cancelled', detail: string, now: number): void {
    // Both policies record the reason `dependency_failed`: it is what a retry of the dependency
    // looks for, and it tells a cancel by policy from a cancel on request.
    this.#sql.run(
      'tasks.endByDependency',
      `UPDATE tasks SET status = ?, failure_reason = 'dependency_failed', status_detail = ?, finished_at = ?, updated_at = ?,
         not_before = NULL
       WHERE id = ? AND status = 'queued'`,
      status,
      detail,
      now,
      now,
      id,
    );
  }

  #recountPending(id: string): void {
    this.#sql.run(
      'tasks.recountPending',
      `UPDATE tasks SET pending_dependencies = (
         SELECT COUNT(*) FROM task_dependencies AS d JOIN tasks AS u ON u.id = d.depends_on
         WHERE d.task_id = tasks.id AND u.status IN ('queued', 'running'))
       WHERE id = ?`,
      id,
    );
  }

  #view(): DependencyPlanningView {
    return {
      dependentsOf: (id) => this.#dependentsOf(id),
      dependenciesOf: (id) => this.#sql.pluck<string>('dependencies.of', 'SELECT depends_on FROM task_dependencies WHERE task_id = ?', id),
      stateOf: (id) => this.#state(id),
    };
  }

  #dependentsOf(id: string): string[] {
    return this.#sql.pluck<string>('dependents.of', 'SELECT task_id FROM task_dependencies WHERE depends_on = ?', id);
  }

  #dependencyStates(id: string): DependencyState[] {
    return this.#sql.all<DependencyState>(
      'dependencies.states',
      'SELECT t.id, t.status FROM task_dependencies AS d JOIN tasks AS t ON t.id = d.depends_on WHERE d.task_id = ?',
      id,
    );
  }

  #state(id: string): PlannedTaskState | undefined {
    const row = this.#sql.get<{ status: TaskStatus; policy: DependencyPolicy; failureReason: FailureReason | null }>(
      'tasks.dependencyState',
      'SELECT status, dependency_policy AS policy, failure_reason AS failureReason FROM tasks WHERE id = ?',
      id,
    );
    return row;
  }
}
