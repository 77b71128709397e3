import {
  type CancelOutcome,
  type ClaimBudget,
  type ClaimRequest,
  ClaudineError,
  type CreateTaskError,
  type DependencyChange,
  err,
  type NewTask,
  type OutputCatalog,
  ok,
  type ProcessIdentity,
  priorityRank,
  type RequeueRequest,
  type Result,
  type RetryTaskError,
  TASK_STATUSES,
  type Task,
  type TaskEvent,
  type TaskGraph,
  type TaskGraphQuery,
  type TaskOrder,
  type TaskOutcome,
  type TaskPage,
  type TaskQuery,
  type TaskStatus,
  type TaskStore,
  transition,
  type UpdateDependenciesError,
  type UpdateTaskError,
} from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';
import { DependencyQueries } from './dependency-queries.js';
import { backupDatabase, checkIntegrity, type IntegrityReport, pruneFinished } from './maintenance.js';
import { type OpenDatabaseOptions, openDatabase } from './open-database.js';
import { PreparedStatements, settleStorageWork } from './prepared-statements.js';
import { cancelInsteadOfRequeue } from './requested-cancel.js';
import { toStorageError } from './sqlite-errors.js';
import { SqliteMetricsStore } from './sqlite-metrics-store.js';
import { SqliteOutputCatalog } from './sqlite-output-catalog.js';
import { readTaskEnvironment, storeTaskEnvironment } from './task-environments.js';
import { TASK_COLUMNS, type TaskRow, taskFromRow } from './task-row.js';
import { recordSession } from './task-sessions.js';
import { TurnWrites } from './turn-writes.js';

type Database = BetterSqlite3.Database;

/** A host as registered in the store. */
export interface HostRecord {
  readonly id: string;
  readonly pid: number;
  readonly pidStartTime: string | null;
  readonly hostname: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly stoppedAt: number | null;
  readonly holdsLock: boolean;
}

/** One run of a task, as recorded when it was claimed and when it ended. */
export interface TaskAttempt {
  /** 1 for the first run. */
  readonly attempt: number;
  /** The host that ran it. */
  readonly owner: string;
  readonly startedAt: number;
  /** Null while it runs. */
  readonly finishedAt: number | null;
  /** `completed`, `failed`, `cancelled`, or `requeued` (a retry followed); null while it runs. */
  readonly outcome: string | null;
  readonly failureReason: string | null;
  readonly detail: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** Why a host could not take the data dir's lock. */
export interface HostLockRefused {
  readonly kind: 'held';
  readonly holder: HostRecord;
}

const MAX_PAGE = 1000;

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
const DEFAULT_PAGE = 100;

/**
 * The {@link TaskStore} on a SQLite file (better-sqlite3). Every state change runs in one
 * `BEGIN IMMEDIATE` transaction guarded by the expected state, so any number of processes can
 * share the file. Also holds the host registry (who runs tasks, and the data dir's lock).
 */
export class SqliteTaskStore implements TaskStore {
  readonly path: string;
  readonly #db: Database;
  readonly #sql: PreparedStatements;
  readonly #dependencies: DependencyQueries;
  // One transaction function for every state change: making one per call costs more than the
  // small statements it wraps.
  readonly #transaction: BetterSqlite3.Transaction<(work: () => unknown) => unknown>;
  readonly #turnWrites: TurnWrites;
  #outputCatalog: OutputCatalog | undefined;
  #metricsStore: SqliteMetricsStore | undefined;

  private constructor(db: Database, path: string) {
    this.#db = db;
    this.#sql = new PreparedStatements(db);
    this.path = path;
    this.#dependencies = new DependencyQueries(db);
    this.#transaction = db.transaction((work: () => unknown) => work());
    this.#turnWrites = new TurnWrites(db, path);
  }

  /**
   * Opens (creating if needed) the database at `options.path` and applies pending migrations.
   * Throws a {@link ClaudineError} naming the file when it is corrupt, newer than this code,
   * read-only or locked.
   */
  static open(options: OpenDatabaseOptions): SqliteTaskStore {
    return new SqliteTaskStore(openDatabase(options), options.path);
  }

  /**
   * The environment a task was submitted with (its values are secrets: only the host that runs
   * it reads them); undefined for a task stored without one. Synchronous, as the host reads it
   * at the very moment it starts the task.
   */
  taskEnvironment(id: string): Record<string, string> | undefined {
    return this.#sync('read the environment of a task', () => readTaskEnvironment(this.#sql, id));
  }

  /** A number that changes whenever another connection commits (`PRAGMA data_version`). */
  dataVersion(): number {
    // A cached statement: `db.pragma()` would prepare one at every call, and hosts call this often.
    return this.#sync(
      'read the data version',
      () => this.#sql.get<{ data_version: number }>('pragma.dataVersion', 'PRAGMA data_version')?.data_version ?? 0,
    );
  }

  /** Checks the database file and Claudine's invariants; see {@link IntegrityReport}. */
  checkIntegrity(): Promise<IntegrityReport> {
    return settleStorageWork(this.path, 'check the database', () => checkIntegrity(this.#db, this.path));
  }

  /** Writes a consistent copy of the live database to `destination` (0600); refuses to overwrite. */
  async backup(destination: string): Promise<{ bytes: number; pages: number }> {
    try {
      return await backupDatabase(this.#db, destination);
    } catch (error) {
      throw toStorageError(error, destination, 'back up the database');
    }
  }

  /** Deletes tasks that finished before `finishedBefore`; returns their ids. */
  pruneFinished(finishedBefore: number): Promise<string[]> {
    return settleStorageWork(this.path, 'prune finished tasks', () => pruneFinished(this.#db, finishedBefore));
  }

  /** The output catalog (sizes, segments, truncation of task logs) on this connection. */
  outputCatalog(): OutputCatalog {
    this.#outputCatalog ??= new SqliteOutputCatalog(this.#db, this.path, this.#turnWrites);
    return this.#outputCatalog;
  }

  /**
   * The metrics store on this connection, its writes sharing the transactions of this turn. A
   * second connection would cost more: each one's commit empties the other's page cache.
   * Closing it leaves the connection open.
   */
  metricsStore(): SqliteMetricsStore {
    this.#metricsStore ??= SqliteMetricsStore.onConnection(this.#db, this.path, this.#turnWrites);
    return this.#metricsStore;
  }

  /** Commits the writes waiting for the end of this turn and closes the connection. Further calls throw. */
  close(): void {
    if (!this.#db.open) return;
    this.#turnWrites.flush();
    this.#db.close();
  }

  create(task: NewTask): Promise<Result<Task, CreateTaskError>> {
    return settleStorageWork(this.path, 'create a task', () => this.#immediate(() => this.#insertTask(task)));
  }

  createMany(tasks: readonly NewTask[]): Promise<Result<Task[], CreateTaskError>> {
    try {
      const created = this.#immediate(() =>
        tasks.map((task) => {
          const result = this.#insertTask(task);
          if (!result.ok) throw new BatchRefused(result.error);
          return result.value;
        }),
      );
      return Promise.resolve(ok(created));
    } catch (error) {
      // Throwing inside the transaction rolled back every task of the batch.
      if (error instanceof BatchRefused) return Promise.resolve(err(error.reason));
      return Promise.reject(toStorageError(error, this.path, 'create tasks'));
    }
  }

  get(id: string): Promise<Task | undefined> {
    return settleStorageWork(this.path, 'read a task', () => this.#find(id));
  }

  list(query: TaskQuery = {}): Promise<TaskPage> {
    return settleStorageWork(this.path, 'list tasks', () => {
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
      const rows = this.#sql.all<TaskRow>(
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
    });
  }

  countByStatus(): Promise<Record<TaskStatus, number>> {
    return settleStorageWork(this.path, 'count tasks', () => {
      const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
      const rows = this.#sql.all<{ status: TaskStatus; n: number }>(
        'tasks.count',
        'SELECT status, COUNT(*) AS n FROM tasks GROUP BY status',
      );
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    });
  }

  claimNext(request: ClaimRequest): Promise<Task | undefined> {
    return settleStorageWork(this.path, 'claim a task', () =>
      this.#immediate(() => {
        const running = this.#sql.get<{ n: number }>('tasks.running', "SELECT COUNT(*) AS n FROM tasks WHERE status = 'running'");
        if ((running?.n ?? 0) >= request.maxRunning) return undefined;
        // Tasks of agents whose budget is spent stay queued; the others are claimed as usual.
        const skipped = request.budget !== undefined && this.#budgetSpent(request.budget) ? request.budget.agents : [];
        const next = this.#sql.get<{ id: string; attempt: number }>(
          'tasks.next',
          // INDEXED BY: without statistics the planner would sort every queued task; the
          // partial index is already in claim order, so the first match is the answer.
          `SELECT id, attempt FROM tasks INDEXED BY tasks_ready
           WHERE status = 'queued' AND pending_dependencies = 0 AND (not_before IS NULL OR not_before <= ?)
             AND agent NOT IN (SELECT value FROM json_each(?))
           ORDER BY priority, seq LIMIT 1`,
          request.now,
          JSON.stringify(skipped),
        );
        if (next === undefined) return undefined;
        this.#sql.run(
          'tasks.claim',
          `UPDATE tasks SET status = 'running', owner = ?, lease_expires_at = ?, started_at = ?, updated_at = ?,
             attempt = attempt + 1, not_before = NULL, pid = NULL, pid_start_time = NULL, finished_at = NULL,
             failure_reason = NULL, status_detail = NULL, exit_code = NULL, signal = NULL, warned_at = NULL,
             cancel_requested_at = NULL
           WHERE id = ? AND status = 'queued'`,
          request.owner,
          request.leaseExpiresAt,
          request.now,
          request.now,
          next.id,
        );
        this.#sql.run(
          'attempts.insert',
          'INSERT OR REPLACE INTO task_attempts (task_id, attempt, owner, started_at) VALUES (?, ?, ?, ?)',
          next.id,
          next.attempt + 1,
          request.owner,
          request.now,
        );
        return this.#load(next.id);
      }),
    );
  }

  nextNotBefore(now: number): Promise<number | undefined> {
    return settleStorageWork(this.path, 'read retry times', () => {
      const row = this.#sql.get<{ at: number | null }>(
        'tasks.nextNotBefore',
        "SELECT MIN(not_before) AS at FROM tasks INDEXED BY tasks_waiting_retry WHERE status = 'queued' AND not_before IS NOT NULL AND not_before > ?",
        now,
      );
      return row?.at ?? undefined;
    });
  }

  recordProcess(id: string, owner: string, process: ProcessIdentity, now: number): Promise<boolean> {
    // Deferred to the end of the turn, with the output events of the same start.
    return this.#turnWrites.enqueue('record a task process', () => {
      const info = this.#sql.run(
        'tasks.recordProcess',
        "UPDATE tasks SET pid = ?, pid_start_time = ?, updated_at = ? WHERE id = ? AND owner = ? AND status = 'running'",
        process.pid,
        process.startTime,
        now,
        id,
        owner,
      );
      return info.changes === 1;
    });
  }

  renewLeases(owner: string, leaseExpiresAt: number, now: number): Promise<readonly string[]> {
    return settleStorageWork(this.path, 'renew leases', () =>
      this.#immediate(() => {
        this.#sql.run('hosts.heartbeat', 'UPDATE hosts SET heartbeat_at = ? WHERE id = ?', now, owner);
        return this.#sql
          .all<{ id: string }>(
            'tasks.renew',
            "UPDATE tasks SET lease_expires_at = ? WHERE owner = ? AND status = 'running' RETURNING id",
            leaseExpiresAt,
            owner,
          )
          .map((row) => row.id);
      }),
    );
  }

  finish(id: string, owner: string, outcome: TaskOutcome): Promise<Result<Task, UpdateTaskError>> {
    return settleStorageWork(this.path, 'record the end of a task', () => this.#immediate(() => this.#recordEnd(id, owner, outcome)));
  }

  requeue(id: string, owner: string, request: RequeueRequest): Promise<Result<Task, UpdateTaskError>> {
    return settleStorageWork(this.path, 'requeue a task', () =>
      this.#immediate(() => {
        const refused = this.#checkOwned(id, owner, 'requeue');
        if (refused !== undefined) return err(refused);
        // A cancel asked for while it ran is never undone by putting it back in the queue.
        const cancelled = cancelInsteadOfRequeue(this.#sql, id, request);
        if (cancelled !== undefined) return this.#recordEnd(id, owner, cancelled);
        this.#sql.run(
          'tasks.requeue',
          `UPDATE tasks SET status = 'queued', not_before = ?, status_detail = ?, exit_code = ?, signal = ?, report = ?,
             updated_at = ?, owner = NULL, lease_expires_at = NULL, pid = NULL, pid_start_time = NULL
           WHERE id = ? AND owner = ? AND status = 'running'`,
          request.notBefore,
          request.statusDetail,
          request.exitCode,
          request.signal,
          request.report === null ? null : JSON.stringify(request.report),
          request.now,
          id,
          owner,
        );
        this.#closeAttempt(id, 'requeued', null, request.statusDetail, request.exitCode, request.signal, request.now);
        return ok(this.#load(id));
      }),
    );
  }

  requestCancel(id: string, reason: string | null, now: number): Promise<Result<CancelOutcome, UpdateTaskError>> {
    return settleStorageWork(this.path, 'cancel a task', () =>
      this.#immediate(() => {
        const task = this.#find(id);
        if (task === undefined) return err({ kind: 'not_found', id, message: `no task has id ${id}` } satisfies UpdateTaskError);
        const allowed = transition(task.status, 'cancel');
        if (!allowed.ok) return err(allowed.error);
        const detail = reason ?? 'cancelled on request';
        if (task.status === 'queued') {
          this.#sql.run(
            'tasks.cancelQueued',
            `UPDATE tasks SET status = 'cancelled', failure_reason = 'cancelled', status_detail = ?, finished_at = ?,
               updated_at = ?, not_before = NULL
             WHERE id = ? AND status = 'queued'`,
            detail,
            now,
            now,
            id,
          );
          this.#dependencies.afterEnded(id, 'cancelled', now);
          return ok({ kind: 'cancelled', task: this.#load(id) } satisfies CancelOutcome);
        }
        this.#sql.run(
          'tasks.requestCancel',
          "UPDATE tasks SET cancel_requested_at = ?, status_detail = ?, updated_at = ? WHERE id = ? AND status = 'running'",
          now,
          detail,
          now,
          id,
        );
        return ok({ kind: 'requested', task: this.#load(id) } satisfies CancelOutcome);
      }),
    );
  }

  cancelRequests(owner: string): Promise<Task[]> {
    return settleStorageWork(this.path, 'read cancel requests', () =>
      this.#sql
        .all<TaskRow>(
          'tasks.cancelRequests',
          `SELECT ${TASK_COLUMNS} FROM tasks AS t
         WHERE t.owner = ? AND t.status = 'running' AND t.cancel_requested_at IS NOT NULL`,
          owner,
        )
        .map(taskFromRow),
    );
  }

  recordSession(id: string, owner: string, sessionId: string, now: number): Promise<boolean> {
    // Deferred to the end of the turn, like the process it belongs to.
    return this.#turnWrites.enqueue('record a task session', () => recordSession(this.#sql, id, owner, sessionId, now));
  }

  recordWarning(id: string, owner: string, now: number): Promise<void> {
    return settleStorageWork(this.path, 'record a timeout warning', () => {
      this.#sql.run(
        'tasks.warn',
        "UPDATE tasks SET warned_at = ?, updated_at = ? WHERE id = ? AND owner = ? AND status = 'running'",
        now,
        now,
        id,
        owner,
      );
    });
  }

  retry(id: string, now: number): Promise<Result<Task, RetryTaskError>> {
    return settleStorageWork(this.path, 'retry a task', () =>
      this.#immediate(() => {
        const retried = this.#dependencies.retry(id, now);
        return retried.ok ? ok(this.#load(id)) : retried;
      }),
    );
  }

  updateDependencies(id: string, change: DependencyChange, now: number): Promise<Result<Task, UpdateDependenciesError>> {
    return settleStorageWork(this.path, 'change the dependencies of a task', () =>
      this.#immediate(() => {
        const updated = this.#dependencies.updateDependencies(id, change, now);
        return updated.ok ? ok(this.#load(id)) : updated;
      }),
    );
  }

  graph(query: TaskGraphQuery = {}): Promise<TaskGraph> {
    return settleStorageWork(this.path, 'read the dependency graph', () => this.#dependencies.graph(query));
  }

  /**
   * Registers a host and gives it the data dir's lock, unless a live host holds it. `isAlive`
   * decides whether the current holder still runs (it is called inside the transaction, so two
   * hosts starting together cannot both win).
   */
  acquireHostLock(
    host: Omit<HostRecord, 'stoppedAt' | 'holdsLock'>,
    isAlive: (holder: HostRecord) => boolean,
  ): Promise<Result<HostRecord, HostLockRefused>> {
    return settleStorageWork(this.path, 'take the host lock', () =>
      this.#immediate(() => {
        const holderRow = this.#sql.get<HostRow>('hosts.holder', `SELECT ${HOST_COLUMNS} FROM hosts WHERE holds_lock = 1`);
        if (holderRow !== undefined) {
          const holder = hostFromRow(holderRow);
          if (holder.id !== host.id && isAlive(holder)) return err({ kind: 'held', holder } satisfies HostLockRefused);
          this.#sql.run(
            'hosts.releaseLock',
            'UPDATE hosts SET holds_lock = 0, stopped_at = COALESCE(stopped_at, ?) WHERE id = ?',
            host.startedAt,
            holder.id,
          );
        }
        this.#registerHost(host, true);
        return ok(this.#hostById(host.id) as HostRecord);
      }),
    );
  }

  /** Registers a host without taking the lock (for a second host that shares the store on purpose). */
  registerHost(host: Omit<HostRecord, 'stoppedAt' | 'holdsLock'>): Promise<HostRecord> {
    return settleStorageWork(this.path, 'register a host', () =>
      this.#immediate(() => {
        this.#registerHost(host, false);
        return this.#hostById(host.id) as HostRecord;
      }),
    );
  }

  /** Marks a host stopped and frees the lock if it held it. */
  releaseHost(id: string, now: number): Promise<void> {
    return settleStorageWork(this.path, 'release the host lock', () => {
      this.#sql.run('hosts.stop', 'UPDATE hosts SET holds_lock = 0, stopped_at = ? WHERE id = ?', now, id);
    });
  }

  /**
   * Atomically frees the lock of an idle host: succeeds only when no task is queued or running,
   * so a task submitted just before is never left without a host.
   */
  releaseHostIfIdle(id: string, now: number): Promise<boolean> {
    return settleStorageWork(this.path, 'release the host lock', () =>
      this.#immediate(() => {
        const busy = this.#sql.get<{ n: number }>('tasks.busy', "SELECT 1 AS n FROM tasks WHERE status IN ('queued', 'running') LIMIT 1");
        if (busy !== undefined) return false;
        this.#sql.run('hosts.stop', 'UPDATE hosts SET holds_lock = 0, stopped_at = ? WHERE id = ?', now, id);
        return true;
      }),
    );
  }

  /** True when a task is queued or running: there is work a host should be there for. */
  hasUnfinishedTasks(): Promise<boolean> {
    return settleStorageWork(
      this.path,
      'look for unfinished tasks',
      () => this.#sql.get('tasks.busy', "SELECT 1 AS n FROM tasks WHERE status IN ('queued', 'running') LIMIT 1") !== undefined,
    );
  }

  /** Every recorded run of a task, first first; empty for an unknown task. */
  attempts(taskId: string): Promise<TaskAttempt[]> {
    return settleStorageWork(this.path, 'read task attempts', () =>
      this.#sql
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
        })),
    );
  }

  /** The registered host with this id, if any. */
  getHost(id: string): Promise<HostRecord | undefined> {
    return settleStorageWork(this.path, 'read a host', () => this.#hostById(id));
  }

  /** The host holding the lock, if any. */
  lockHolder(): Promise<HostRecord | undefined> {
    return settleStorageWork(this.path, 'read the host lock', () => {
      const row = this.#sql.get<HostRow>('hosts.holder', `SELECT ${HOST_COLUMNS} FROM hosts WHERE holds_lock = 1`);
      return row === undefined ? undefined : hostFromRow(row);
    });
  }

  #insertTask(task: NewTask): Result<Task, CreateTaskError> {
    const dependencies = [...new Set(task.dependsOn)];
    const assessed = this.#dependencies.assessNew(dependencies, task.dependencyPolicy);
    if (!assessed.ok) {
      const missing = assessed.error.missing;
      return err({
        kind: 'unknown_dependency',
        ids: missing,
        message: `unknown task id${missing.length > 1 ? 's' : ''} in dependsOn: ${missing.join(', ')}. List tasks with \`claudine ls\` to find the right ids.`,
      } satisfies CreateTaskError);
    }
    if (this.#sql.get<{ n: number }>('tasks.exists', 'SELECT 1 AS n FROM tasks WHERE id = ?', task.id)) {
      return err({ kind: 'duplicate_id', id: task.id, message: `a task with id ${task.id} already exists` } satisfies CreateTaskError);
    }
    // A dependency that already failed decides the new task's fate at once under the fail and
    // cancel policies (under `run` it counts as settled). A new task has no dependents yet, so
    // nothing propagates.
    const { pending, broken } = assessed.value;
    let status: TaskStatus = 'queued';
    let failureReason: string | null = null;
    let detail: string | null = null;
    if (broken !== undefined) {
      status = task.dependencyPolicy === 'fail' ? 'failed' : 'cancelled';
      failureReason = 'dependency_failed';
      detail = this.#dependencies.describeBroken(broken);
    }
    this.#sql.run(
      'tasks.insert',
      `INSERT INTO tasks (id, status, priority, agent, prompt, cwd, agent_options, labels, timeout_ms,
         max_retries, dependency_policy, pass_dependency_results, pending_dependencies, created_at,
         updated_at, finished_at, failure_reason, status_detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      pending,
      task.createdAt,
      task.createdAt,
      status === 'queued' ? null : task.createdAt,
      failureReason,
      detail,
    );
    this.#dependencies.insertEdges(task.id, dependencies);
    if (task.environment !== undefined) storeTaskEnvironment(this.#sql, task.id, task.environment);
    return ok(this.#load(task.id));
  }

  #recordEnd(id: string, owner: string, outcome: TaskOutcome): Result<Task, UpdateTaskError> {
    const event: TaskEvent = outcome.status === 'completed' ? 'complete' : outcome.status === 'failed' ? 'fail' : 'cancel';
    const refused = this.#checkOwned(id, owner, event);
    if (refused !== undefined) return err(refused);
    this.#sql.run(
      'tasks.finish',
      `UPDATE tasks SET status = ?, failure_reason = ?, status_detail = ?, exit_code = ?, signal = ?, report = ?,
         output_truncated = ?, finished_at = ?, updated_at = ?, owner = NULL, lease_expires_at = NULL
       WHERE id = ? AND owner = ? AND status = 'running'`,
      outcome.status,
      outcome.failureReason,
      outcome.statusDetail,
      outcome.exitCode,
      outcome.signal,
      outcome.report === null ? null : JSON.stringify(outcome.report),
      outcome.outputTruncated ? 1 : 0,
      outcome.finishedAt,
      outcome.finishedAt,
      id,
      owner,
    );
    this.#closeAttempt(
      id,
      outcome.status,
      outcome.failureReason,
      outcome.statusDetail,
      outcome.exitCode,
      outcome.signal,
      outcome.finishedAt,
    );
    // Dependents learn of the end in the same transaction: readiness for a completion (time in
    // the number of direct dependents), each dependent's policy for a failure.
    if (outcome.status === 'completed') this.#dependencies.afterCompleted(id, outcome.finishedAt);
    else this.#dependencies.afterEnded(id, outcome.status, outcome.finishedAt);
    return ok(this.#load(id));
  }

  #registerHost(host: Omit<HostRecord, 'stoppedAt' | 'holdsLock'>, holdsLock: boolean): void {
    this.#sql.run(
      'hosts.upsert',
      `INSERT INTO hosts (id, pid, pid_start_time, hostname, started_at, heartbeat_at, stopped_at, holds_lock)
       VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
       ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, pid_start_time = excluded.pid_start_time,
         heartbeat_at = excluded.heartbeat_at, stopped_at = NULL, holds_lock = excluded.holds_lock`,
      host.id,
      host.pid,
      host.pidStartTime,
      host.hostname,
      host.startedAt,
      host.heartbeatAt,
      holdsLock ? 1 : 0,
    );
  }

  #budgetSpent(budget: ClaimBudget): boolean {
    const row = this.#sql.get<{ spent: number }>(
      'metrics.spentSince',
      'SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM task_metrics WHERE finished_at >= ? AND cost_usd IS NOT NULL',
      budget.since,
    );
    return (row?.spent ?? 0) >= budget.maxCostUsd;
  }

  #hostById(id: string): HostRecord | undefined {
    const row = this.#sql.get<HostRow>('hosts.byId', `SELECT ${HOST_COLUMNS} FROM hosts WHERE id = ?`, id);
    return row === undefined ? undefined : hostFromRow(row);
  }

  #checkOwned(id: string, owner: string, event: TaskEvent): UpdateTaskError | undefined {
    const row = this.#sql.get<{ status: TaskStatus; owner: string | null }>(
      'tasks.ownerOf',
      'SELECT status, owner FROM tasks WHERE id = ?',
      id,
    );
    if (row === undefined) return { kind: 'not_found', id, message: `no task has id ${id}` };
    const allowed = transition(row.status, event);
    if (!allowed.ok) return allowed.error;
    if (row.status !== 'running' || row.owner !== owner) {
      return {
        kind: 'not_owner',
        id,
        owner: row.owner,
        message: `task ${id} is held by ${row.owner ?? 'no host'}, not ${owner}: its lease was lost`,
      };
    }
    return undefined;
  }

  #closeAttempt(
    id: string,
    outcome: string,
    failureReason: string | null,
    detail: string | null,
    exitCode: number | null,
    signal: string | null,
    at: number,
  ): void {
    this.#sql.run(
      'attempts.close',
      `UPDATE task_attempts SET finished_at = ?, outcome = ?, failure_reason = ?, detail = ?, exit_code = ?, signal = ?
       WHERE task_id = ? AND attempt = (SELECT attempt FROM tasks WHERE id = ?)`,
      at,
      outcome,
      failureReason,
      detail,
      exitCode,
      signal,
      id,
      id,
    );
  }

  #find(id: string): Task | undefined {
    const row = this.#sql.get<TaskRow>('tasks.byId', `SELECT ${TASK_COLUMNS} FROM tasks AS t WHERE t.id = ?`, id);
    return row === undefined ? undefined : taskFromRow(row);
  }

  #load(id: string): Task {
    const task = this.#find(id);
    if (task === undefined) throw new ClaudineError('internal', `task ${id} vanished inside a transaction`);
    return task;
  }

  #immediate<T>(work: () => T): T {
    return this.#transaction.immediate(work) as T;
  }

  #sync<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toStorageError(error, this.path, action);
    }
  }
}

/** Carries a refused task out of a batch transaction, rolling the whole batch back. */
class BatchRefused extends Error {
  readonly reason: CreateTaskError;
  constructor(reason: CreateTaskError) {
    super(reason.message);
    this.reason = reason;
  }
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

interface HostRow {
  id: string;
  pid: number;
  pid_start_time: string | null;
  hostname: string;
  started_at: number;
  heartbeat_at: number;
  stopped_at: number | null;
  holds_lock: number;
}

const HOST_COLUMNS = 'id, pid, pid_start_time, hostname, started_at, heartbeat_at, stopped_at, holds_lock';

function hostFromRow(row: HostRow): HostRecord {
  return {
    id: row.id,
    pid: row.pid,
    pidStartTime: row.pid_start_time,
    hostname: row.hostname,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    stoppedAt: row.stopped_at,
    holdsLock: row.holds_lock === 1,
  };
}
