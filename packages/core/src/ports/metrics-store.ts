import type { SystemSnapshot, TaskMetrics } from '../metrics.js';

/** A time range, in milliseconds since the Unix epoch, both ends included. */
export interface TimeRange {
  readonly since: number;
  readonly until: number;
  /** Most items to return (the newest are kept); stores cap it. */
  readonly limit?: number;
}

/** What the store knows about tasks for a system snapshot. */
export interface TaskStatistics {
  readonly running: number;
  readonly queued: number;
  /** Queued tasks that wait for a dependency. */
  readonly blocked: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  /** Run times (started to finished, ms) of the tasks that finished at or after `since`. */
  readonly recentDurationsMs: readonly number[];
}

/**
 * Durable metrics: what each attempt of a task consumed (live while it runs, final when it
 * ends) and snapshots of the whole system kept as history until pruned.
 */
export interface MetricsStore {
  /** Creates or replaces the metrics of each attempt (keyed by task id and attempt). */
  saveTaskMetrics(metrics: readonly TaskMetrics[]): Promise<void>;
  /** The metrics of every attempt of a task, oldest attempt first; empty for an unknown task. */
  taskMetrics(taskId: string): Promise<TaskMetrics[]>;
  /** The metrics of the attempts that are running now. */
  runningTaskMetrics(): Promise<TaskMetrics[]>;
  /** What agents reported spending in attempts that finished at or after `since`. */
  costSince(since: number): Promise<number>;
  /** What agents reported spending in every recorded attempt of a task. */
  taskCost(taskId: string): Promise<number>;
  /** Counts by state and the durations of tasks finished at or after `since`. */
  taskStatistics(since: number): Promise<TaskStatistics>;
  saveSnapshot(snapshot: SystemSnapshot): Promise<void>;
  /** Snapshots taken in `range`, oldest first. */
  snapshots(range: TimeRange): Promise<SystemSnapshot[]>;
  /** Deletes snapshots taken before `before`; returns how many. */
  pruneSnapshots(before: number): Promise<number>;
}
