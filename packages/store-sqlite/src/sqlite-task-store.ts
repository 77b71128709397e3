import type {
  CancelOutcome,
  ClaimRequest,
  CreateTaskError,
  DependencyChange,
  NewTask,
  OutputCatalog,
  ProcessIdentity,
  RequeueRequest,
  Result,
  RetryChange,
  RetryTaskError,
  Task,
  TaskAttempt,
  TaskGraph,
  TaskGraphQuery,
  TaskOutcome,
  TaskPage,
  TaskQuery,
  TaskStatus,
  TaskStore,
  UpdateDependenciesError,
  UpdateTaskError,
  WorktreeMerge,
  WorktreeResult,
} from '@claudine/core';
import { err, ok } from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';
import { type OpenDatabaseOptions, openDatabase } from './database/open-database.js';
import { PreparedStatements, settleStorageWork } from './database/prepared-statements.js';
import { toStorageError } from './database/sqlite-errors.js';
import { readStoreIdentity } from './database/store-identity.js';
import { TurnWrites } from './database/turn-writes.js';
import { updateDependencies } from './dependencies/dependency-edges.js';
import { readGraph } from './dependencies/dependency-graph-query.js';
import { readWorkflowSummary, type WorkflowSummary } from './dependencies/workflow-summary.js';
import * as hosts from './hosts/host-registry.js';
import { backupDatabase } from './maintenance/backup.js';
import { checkIntegrity, type IntegrityReport } from './maintenance/integrity-check.js';
import { pruneFinished } from './maintenance/prune.js';
import { SqliteMetricsStore } from './metrics/sqlite-metrics-store.js';
import { SqliteOutputCatalog } from './output/sqlite-output-catalog.js';
import { Refusal, refusalOf, type StoreContext } from './store-context.js';
import { requestCancel, retryTask } from './tasks/cancel-and-retry.js';
import { claimNext, recordProcess, recordWarning, renewLeases } from './tasks/claims-and-leases.js';
import { readReceivedPrompt, storeReceivedPrompt } from './tasks/received-prompts.js';
import { finishTask, requeueTask } from './tasks/task-ends.js';
import { readTaskEnvironment } from './tasks/task-environments.js';
import * as queries from './tasks/task-queries.js';
import { recordSession } from './tasks/task-sessions.js';
import * as worktrees from './tasks/task-worktrees.js';
import { insertTasks } from './tasks/task-writes.js';

/**
 * The {@link TaskStore} on a SQLite file (better-sqlite3). Every state change runs in one
 * `BEGIN IMMEDIATE` transaction guarded by the expected state, so any number of processes can
 * share the file. Also holds the host registry (who runs tasks, and the data dir's lock).
 *
 * This class only composes: each verb lives in its part (`tasks/`, `dependencies/`, `hosts/`,
 * `maintenance/`), and here it gets its transaction and its error wrapping.
 */
export class SqliteTaskStore implements TaskStore {
  readonly path: string;
  /** The database's random identity, made when it was created; kept by backups. */
  readonly identity: string;
  readonly #context: StoreContext;
  // One transaction function for every state change: making one per call costs more than the
  // small statements it wraps.
  readonly #transaction: BetterSqlite3.Transaction<(work: () => unknown) => unknown>;
  readonly #turnWrites: TurnWrites;
  #outputCatalog: OutputCatalog | undefined;
  #metricsStore: SqliteMetricsStore | undefined;

  private constructor(db: BetterSqlite3.Database, path: string) {
    this.path = path;
    this.#context = { db, sql: new PreparedStatements(db), path };
    this.#transaction = db.transaction((work: () => unknown) => work());
    this.#turnWrites = new TurnWrites(db, path);
    try {
      this.identity = readStoreIdentity(db, path);
    } catch (error) {
      db.close();
      throw toStorageError(error, path, 'read the database identity');
    }
  }

  /**
   * Opens (creating if missing) the database at `options.path` and applies pending migrations.
   * Throws a {@link ClaudineError} naming the file when it is corrupt, empty or not Claudine's
   * (`storage_corrupt`), newer than this code, read-only or locked.
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
    try {
      return readTaskEnvironment(this.#context.sql, id);
    } catch (error) {
      throw toStorageError(error, this.path, 'read the environment of a task');
    }
  }

  /**
   * Records the prompt the agent of a task received at this start, where the host changed it
   * (dependency results appended).
   */
  recordReceivedPrompt(id: string, prompt: string): Promise<void> {
    return this.#write('record the prompt a task received', () => storeReceivedPrompt(this.#context.sql, id, prompt));
  }

  /** The prompt the agent of a task last received, where it differed from the task's own; else undefined. */
  receivedPrompt(id: string): Promise<string | undefined> {
    return this.#read('read the prompt a task received', () => readReceivedPrompt(this.#context.sql, id));
  }

  /** A number that changes whenever another connection commits (`PRAGMA data_version`). */
  dataVersion(): number {
    try {
      return queries.dataVersion(this.#context);
    } catch (error) {
      throw toStorageError(error, this.path, 'read the data version');
    }
  }

  /** Checks the database file and Claudine's invariants; see {@link IntegrityReport}. */
  checkIntegrity(): Promise<IntegrityReport> {
    return this.#read('check the database', () => checkIntegrity(this.#context.db, this.path));
  }

  /** Writes a consistent copy of the live database to `destination` (0600); refuses to overwrite. */
  async backup(destination: string): Promise<{ bytes: number; pages: number }> {
    try {
      return await backupDatabase(this.#context.db, destination);
    } catch (error) {
      throw toStorageError(error, destination, 'back up the database');
    }
  }

  /** Deletes tasks that finished before `finishedBefore`; returns their ids. */
  pruneFinished(finishedBefore: number): Promise<string[]> {
    return this.#read('prune finished tasks', () => pruneFinished(this.#context.db, finishedBefore));
  }

  /** The output catalog (sizes, segments, truncation of task logs) on this connection. */
  outputCatalog(): OutputCatalog {
    this.#outputCatalog ??= new SqliteOutputCatalog(this.#context.db, this.path, this.#turnWrites);
    return this.#outputCatalog;
  }

  /**
   * The metrics store on this connection, its writes sharing the transactions of this turn. A
   * second connection would cost more: each one's commit empties the other's page cache.
   * Closing it leaves the connection open.
   */
  metricsStore(): SqliteMetricsStore {
    this.#metricsStore ??= SqliteMetricsStore.onConnection(this.#context.db, this.path, this.#turnWrites);
    return this.#metricsStore;
  }

  /** Commits the writes waiting for the end of this turn and closes the connection. Further calls throw. */
  close(): void {
    if (!this.#context.db.open) return;
    this.#turnWrites.flush();
    this.#context.db.close();
  }

  async create(task: NewTask): Promise<Result<Task, CreateTaskError>> {
    const created = await this.createMany([task]);
    return created.ok ? ok(created.value[0] as Task) : created;
  }

  createMany(tasks: readonly NewTask[]): Promise<Result<Task[], CreateTaskError>> {
    return this.#write('create tasks', () => {
      const created = insertTasks(this.#context, tasks);
      // Thrown to roll back the tasks of the batch stored before the refused one.
      if (!created.ok) throw new Refusal(created.error);
      return created;
    });
  }

  get(id: string): Promise<Task | undefined> {
    return this.#read('read a task', () => queries.findTask(this.#context, id));
  }

  list(query: TaskQuery = {}): Promise<TaskPage> {
    return this.#read('list tasks', () => queries.listTasks(this.#context, query));
  }

  countByStatus(): Promise<Record<TaskStatus, number>> {
    return this.#read('count tasks', () => queries.countByStatus(this.#context));
  }

  claimNext(request: ClaimRequest): Promise<Task | undefined> {
    return this.#write('claim a task', () => claimNext(this.#context, request));
  }

  nextNotBefore(now: number): Promise<number | undefined> {
    return this.#read('read retry times', () => queries.nextNotBefore(this.#context, now));
  }

  recordProcess(id: string, owner: string, process: ProcessIdentity, now: number): Promise<boolean> {
    // Deferred to the end of the turn, with the output events of the same start.
    return this.#turnWrites.enqueue('record a task process', () => recordProcess(this.#context, id, owner, process, now));
  }

  renewLeases(owner: string, leaseExpiresAt: number, now: number): Promise<readonly string[]> {
    return this.#write('renew leases', () => renewLeases(this.#context, owner, leaseExpiresAt, now));
  }

  finish(id: string, owner: string, outcome: TaskOutcome): Promise<Result<Task, UpdateTaskError>> {
    // Committed at the end of the turn, with the last output events and figures of the same run
    // (and the ends of other runs that ended in this turn): one commit instead of two. Nothing
    // is claimed for the freed slot before it resolves.
    return this.#turnWrites.enqueue('record the end of a task', () => finishTask(this.#context, id, owner, outcome));
  }

  requeue(id: string, owner: string, request: RequeueRequest): Promise<Result<Task, UpdateTaskError>> {
    return this.#write('requeue a task', () => requeueTask(this.#context, id, owner, request));
  }

  requestCancel(id: string, reason: string | null, now: number): Promise<Result<CancelOutcome, UpdateTaskError>> {
    return this.#write('cancel a task', () => requestCancel(this.#context, id, reason, now));
  }

  cancelRequests(owner: string): Promise<Task[]> {
    return this.#read('read cancel requests', () => queries.cancelRequests(this.#context, owner));
  }

  recordSession(id: string, owner: string, sessionId: string, now: number): Promise<boolean> {
    // Deferred to the end of the turn, like the process it belongs to.
    return this.#turnWrites.enqueue('record a task session', () => recordSession(this.#context.sql, id, owner, sessionId, now));
  }

  recordWarning(id: string, owner: string, now: number): Promise<void> {
    return this.#read('record a timeout warning', () => recordWarning(this.#context, id, owner, now));
  }

  retry(id: string, now: number, change?: RetryChange): Promise<Result<Task, RetryTaskError>> {
    return this.#write('retry a task', () => retryTask(this.#context, id, now, change));
  }

  updateDependencies(id: string, change: DependencyChange, now: number): Promise<Result<Task, UpdateDependenciesError>> {
    return this.#write('change the dependencies of a task', () => {
      const updated = updateDependencies(this.#context, id, change, now);
      return updated.ok ? ok(queries.loadTask(this.#context, id)) : updated;
    });
  }

  graph(query: TaskGraphQuery = {}): Promise<TaskGraph> {
    return this.#read('read the dependency graph', () => readGraph(this.#context, query));
  }

  recordWorktreeBase(id: string, baseCommit: string, now: number): Promise<Task | undefined> {
    return this.#write('record the base of a worktree', () => worktrees.recordWorktreeBase(this.#context, id, baseCommit, now));
  }

  recordWorktreeResult(id: string, result: WorktreeResult, now: number): Promise<Task | undefined> {
    return this.#write('record the result of a worktree', () => worktrees.recordWorktreeResult(this.#context, id, result, now));
  }

  recordWorktreeMerge(id: string, merge: WorktreeMerge, now: number): Promise<Task | undefined> {
    return this.#write('record a merge', () => worktrees.recordWorktreeMerge(this.#context, id, merge, now));
  }

  recordWorktreeRemoved(id: string, removedAt: number | null, now: number): Promise<Task | undefined> {
    return this.#write('record a removed worktree', () => worktrees.recordWorktreeRemoved(this.#context, id, removedAt, now));
  }

  /** True when a task is queued or running: there is work a host should be there for. */
  hasUnfinishedTasks(): Promise<boolean> {
    return this.#read('look for unfinished tasks', () => queries.hasUnfinishedTasks(this.#context));
  }

  /**
   * Counts the workflow of a task (every task linked to it by dependencies) by state, without
   * reading the tasks: whether it has ended, and how. Undefined for an unknown task.
   */
  workflowSummary(taskId: string): Promise<WorkflowSummary | undefined> {
    return this.#read('read a workflow', () => readWorkflowSummary(this.#context, taskId));
  }

  /** Every recorded run of a task, first first; empty for an unknown task. */
  attempts(taskId: string): Promise<TaskAttempt[]> {
    return this.#read('read task attempts', () => queries.taskAttempts(this.#context, taskId));
  }

  /**
   * Registers a host and gives it the data dir's lock, unless a live host holds it. `isAlive`
   * decides whether the current holder still runs (it is called inside the transaction, so two
   * hosts starting together cannot both win).
   */
  acquireHostLock(
    host: hosts.NewHostRecord,
    isAlive: (holder: hosts.HostRecord) => boolean,
  ): Promise<Result<hosts.HostRecord, hosts.HostLockRefused>> {
    return this.#write('take the host lock', () => hosts.acquireHostLock(this.#context, host, isAlive));
  }

  /** Registers a host without taking the lock (for a second host that shares the store on purpose). */
  registerHost(host: hosts.NewHostRecord): Promise<hosts.HostRecord> {
    return this.#write('register a host', () => hosts.registerHost(this.#context, host, false));
  }

  /** Marks a host stopped and frees the lock if it held it. */
  releaseHost(id: string, now: number): Promise<void> {
    return this.#read('release the host lock', () => hosts.releaseHost(this.#context, id, now));
  }

  /**
   * Atomically frees the lock of an idle host: succeeds only when no task is queued or running,
   * so a task submitted just before is never left without a host.
   */
  releaseHostIfIdle(id: string, now: number): Promise<boolean> {
    return this.#write('release the host lock', () => hosts.releaseHostIfIdle(this.#context, id, now));
  }

  /** The registered host with this id, if any. */
  getHost(id: string): Promise<hosts.HostRecord | undefined> {
    return this.#read('read a host', () => hosts.getHost(this.#context, id));
  }

  /** The host holding the lock, if any. */
  lockHolder(): Promise<hosts.HostRecord | undefined> {
    return this.#read('read the host lock', () => hosts.lockHolder(this.#context));
  }

  // A read, or a single statement that is its own transaction.
  #read<T>(action: string, work: () => T): Promise<T> {
    return settleStorageWork(this.path, action, work);
  }

  // A state change: one `BEGIN IMMEDIATE` transaction. A `Refusal` thrown inside rolls it back
  // and comes out as the `Result` error it carries.
  #write<T>(action: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(this.#transaction.immediate(work) as T);
    } catch (error) {
      const refusal = refusalOf<unknown>(error);
      if (refusal !== undefined) return Promise.resolve(err(refusal.error) as T);
      return Promise.reject(toStorageError(error, this.path, action));
    }
  }
}
