import type { DependencyCycle } from '../dependency-cycle.js';
import type { Result } from '../result.js';
import type { AgentKind, AgentReport, FailureReason, NewTask, Task, TaskStatus } from '../task.js';
import type { IllegalTransition } from '../task-state.js';
import type { WorktreeMerge, WorktreeResult } from '../worktree.js';

/** Why a task could not be created. */
export type CreateTaskError =
  | { readonly kind: 'unknown_dependency'; readonly ids: readonly string[]; readonly message: string }
  | { readonly kind: 'duplicate_id'; readonly id: string; readonly message: string };

/** Why a state change was refused. */
export type UpdateTaskError =
  | IllegalTransition
  | { readonly kind: 'not_found'; readonly id: string; readonly message: string }
  | { readonly kind: 'not_owner'; readonly id: string; readonly owner: string | null; readonly message: string };

/** Why a failed or cancelled task could not be retried. */
export type RetryTaskError =
  | IllegalTransition
  | { readonly kind: 'not_found'; readonly id: string; readonly message: string }
  /** One of its own dependencies failed or was cancelled: retry that one first. */
  | { readonly kind: 'dependency_failed'; readonly id: string; readonly dependency: string; readonly message: string };

/** Dependencies to add to and remove from a queued task, in one change. Removals apply first. */
export interface DependencyChange {
  readonly add?: readonly string[];
  readonly remove?: readonly string[];
}

/** Why the dependencies of a task could not be changed. Nothing was changed. */
export type UpdateDependenciesError =
  | DependencyCycle
  | { readonly kind: 'not_found'; readonly id: string; readonly message: string }
  /** The task has started or finished: only a queued task's dependencies may change. */
  | { readonly kind: 'not_queued'; readonly id: string; readonly status: TaskStatus; readonly message: string }
  /** Ids to add that name no task, or ids to remove that are not dependencies of the task. */
  | { readonly kind: 'unknown_dependency'; readonly ids: readonly string[]; readonly message: string };

/** What {@link TaskStore.graph} reads. */
export interface TaskGraphQuery {
  /** The workflow (tasks linked to it by dependencies, in either direction) of this task. */
  readonly taskId?: string;
  /** Most tasks returned; stores cap it. */
  readonly limit?: number;
}

/**
 * A part of the dependency graph: its tasks in submission order (edges are their `dependsOn`).
 * `truncated` is true when the workflow has more tasks than the limit; edges to tasks left out
 * then point outside `tasks`.
 */
export interface TaskGraph {
  readonly tasks: readonly Task[];
  readonly truncated: boolean;
}

/** Orders {@link TaskStore.list} can return tasks in; ties go newest first. */
export const TASK_ORDERS = ['created', 'priority', 'status', 'duration'] as const;
/**
 * `created`: newest first; `priority`: P0 first; `status`: running, queued, failed, cancelled,
 * completed; `duration`: longest run first (a running task counts up to now, one never started last).
 */
export type TaskOrder = (typeof TASK_ORDERS)[number];

/** A filter and an order for {@link TaskStore.list}. Results are newest first unless ordered otherwise. */
export interface TaskQuery {
  readonly statuses?: readonly TaskStatus[];
  readonly agent?: Task['agent'];
  /** Only tasks that carry every one of these labels. */
  readonly labels?: readonly string[];
  /** Only tasks created at or after this time. */
  readonly createdAfter?: number;
  /** Only tasks that run (or ran) in a worktree of their own. */
  readonly worktree?: boolean;
  /** Page size; stores cap it. */
  readonly limit?: number;
  /**
   * Continue where the previous page of the same query ended: its `nextCursor`, which is opaque
   * (a `seq` in the default order, a position in the others).
   */
  readonly cursor?: number;
  /** The order of the whole result (default `created`), applied before paging. */
  readonly order?: TaskOrder;
  /** The order turned round, ties included (oldest first, ...). */
  readonly reverse?: boolean;
  /** For the `duration` order: the time a running task's duration is counted to (default now). */
  readonly now?: number;
}

/** One page of tasks; `nextCursor` is null on the last page. */
export interface TaskPage {
  readonly tasks: readonly Task[];
  readonly nextCursor: number | null;
}

/** A host asking for the next ready task. */
export interface ClaimRequest {
  readonly owner: string;
  /** Global cap: nothing is claimed while this many tasks run, whoever runs them. */
  readonly maxRunning: number;
  readonly now: number;
  readonly leaseExpiresAt: number;
  /** A spending limit: once it is spent, tasks of its agents are skipped (they stay queued). */
  readonly budget?: ClaimBudget;
}

/** A spending limit a claim respects (the daily budget). */
export interface ClaimBudget {
  /** Agents whose tasks wait once the budget is spent. */
  readonly agents: readonly AgentKind[];
  /** Spending is counted over attempts that finished at or after this time. */
  readonly since: number;
  readonly maxCostUsd: number;
}

/** How a run ended, as recorded by the task's owner. */
export interface TaskOutcome {
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly failureReason: FailureReason | null;
  readonly statusDetail: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly report: AgentReport | null;
  readonly outputTruncated: boolean;
  readonly finishedAt: number;
}

/** A running task put back in the queue by its owner (transient failure with retries left). */
export interface RequeueRequest {
  readonly notBefore: number;
  readonly statusDetail: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly report: AgentReport | null;
  readonly now: number;
}

/** What a cancel request did. */
export type CancelOutcome =
  /** The task was queued and is now cancelled. */
  | { readonly kind: 'cancelled'; readonly task: Task }
  /** The task is running; its owner has been asked to stop it. */
  | { readonly kind: 'requested'; readonly task: Task };

/** The identity of a process, robust to pid reuse. */
export interface ProcessIdentity {
  readonly pid: number;
  /** An opaque token that differs between two processes that had the same pid. */
  readonly startTime: string | null;
}

/** What a retry changes of the task it runs again. */
export interface RetryChange {
  /** New instructions, replacing the task's prompt. */
  readonly prompt?: string;
}

/**
 * Durable task storage. Every method that returns has committed its change: an id returned by
 * {@link TaskStore.create} is on disk. State changes are checked against the state machine and
 * applied only if the task is still in the state they expect, so concurrent writers never
 * produce an illegal transition. A task that fails or is cancelled takes its dependents with it
 * (each by its policy, see `planDependencyEnd`) in the same transaction.
 */
export interface TaskStore {
  /** Stores a new queued task; refuses unknown dependency ids. */
  create(task: NewTask): Promise<Result<Task, CreateTaskError>>;
  /**
   * Stores several tasks in one transaction: all or none. A task may depend on one created
   * earlier in the same batch.
   */
  createMany(tasks: readonly NewTask[]): Promise<Result<Task[], CreateTaskError>>;
  /** The task with this id, or undefined. */
  get(id: string): Promise<Task | undefined>;
  /** Tasks matching `query`, newest first. */
  list(query?: TaskQuery): Promise<TaskPage>;
  /** Number of tasks in each state. */
  countByStatus(): Promise<Record<TaskStatus, number>>;
  /**
   * Atomically picks the next ready task (by priority, then FIFO) and marks it running for
   * `owner`, unless `maxRunning` tasks already run. Undefined when nothing can be claimed.
   */
  claimNext(request: ClaimRequest): Promise<Task | undefined>;
  /** Earliest `notBefore` among queued tasks still waiting for their backoff, if any. */
  nextNotBefore(now: number): Promise<number | undefined>;
  /** Records the process running a task; false when `owner` no longer holds it. */
  recordProcess(id: string, owner: string, process: ProcessIdentity, now: number): Promise<boolean>;
  /**
   * Extends the lease of every task `owner` runs and returns their ids. A task the owner thinks
   * it runs but that is missing from the list was taken from it (its lease expired and another
   * host recovered it): the owner must stop it.
   */
  renewLeases(owner: string, leaseExpiresAt: number, now: number): Promise<readonly string[]>;
  /** Records the end of a run. Only the task's owner may. */
  finish(id: string, owner: string, outcome: TaskOutcome): Promise<Result<Task, UpdateTaskError>>;
  /**
   * Puts a running task back in the queue. Only the task's owner may. A task whose cancel was
   * requested while it ran is recorded `cancelled` instead (the returned task says which).
   */
  requeue(id: string, owner: string, request: RequeueRequest): Promise<Result<Task, UpdateTaskError>>;
  /** Cancels a queued task, or asks the owner of a running one to stop it. */
  requestCancel(id: string, reason: string | null, now: number): Promise<Result<CancelOutcome, UpdateTaskError>>;
  /** Running tasks of `owner` whose cancellation was requested. */
  cancelRequests(owner: string): Promise<Task[]>;
  /**
   * Records the session the agent of a running task announced (in its report's `sessionId`)
   * the moment it is known, so that recovery and the next attempt can continue it after a crash.
   * False when `owner` no longer holds the task.
   */
  recordSession(id: string, owner: string, sessionId: string, now: number): Promise<boolean>;
  /** Records that the timeout warning was given. */
  recordWarning(id: string, owner: string, now: number): Promise<void>;
  /**
   * Puts a failed or cancelled task back in the queue, and with it every dependent that failed or
   * was cancelled only because of it (transitively). Refused while one of its own dependencies
   * still ends it. With `change.prompt`, the task runs again with those instructions instead of
   * its own (they replace the stored prompt).
   */
  retry(id: string, now: number, change?: RetryChange): Promise<Result<Task, RetryTaskError>>;
  /**
   * Adds and removes dependencies of a queued task in one transaction. Refuses unknown ids and an
   * edge that would close a cycle (naming it). Adding a dependency that already failed applies
   * the task's policy at once.
   */
  updateDependencies(id: string, change: DependencyChange, now: number): Promise<Result<Task, UpdateDependenciesError>>;
  /**
   * The workflow of `query.taskId`, or without one the workflows of every queued or running task
   * (or, when none is, of the newest task that depends on another).
   */
  graph(query?: TaskGraphQuery): Promise<TaskGraph>;
  /**
   * Records the commit a stacked worktree task starts from, once the task it stacks on ended.
   * Undefined for an unknown task or one without a worktree.
   */
  recordWorktreeBase(id: string, baseCommit: string, now: number): Promise<Task | undefined>;
  /**
   * Records what a worktree task's branch holds once a run of it ended (or recovery committed
   * what it left). Undefined for an unknown task or one without a worktree.
   */
  recordWorktreeResult(id: string, result: WorktreeResult, now: number): Promise<Task | undefined>;
  /**
   * Records a merge Claudine made of a task's branch: what later says that its work landed (after
   * a squash git calls the branch unmerged). Undefined for an unknown task or one without a worktree.
   */
  recordWorktreeMerge(id: string, merge: WorktreeMerge, now: number): Promise<Task | undefined>;
  /**
   * Records that Claudine removed the task's worktree (`removedAt`), or that it was made again
   * (null). Undefined for an unknown task or one without a worktree.
   */
  recordWorktreeRemoved(id: string, removedAt: number | null, now: number): Promise<Task | undefined>;
}
