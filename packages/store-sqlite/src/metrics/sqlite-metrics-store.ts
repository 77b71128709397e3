import {
  type MetricsStore,
  type MissingFigure,
  type SystemSnapshot,
  TASK_STATUSES,
  type TaskMetrics,
  type TaskStatistics,
  type TaskStatus,
  type TimeRange,
} from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';
import { type OpenDatabaseOptions, openDatabase } from '../database/open-database.js';
import { PreparedStatements, settleStorageWork } from '../database/prepared-statements.js';
import type { TurnWrites } from '../database/turn-writes.js';

type Database = BetterSqlite3.Database;

// Column of task_metrics for each field of TaskMetrics, in one list so reads and writes agree.
const TASK_METRIC_COLUMNS = [
  ['taskId', 'task_id'],
  ['attempt', 'attempt'],
  ['agent', 'agent'],
  ['live', 'live'],
  ['startedAt', 'started_at'],
  ['updatedAt', 'updated_at'],
  ['finishedAt', 'finished_at'],
  ['wallMs', 'wall_ms'],
  ['cpuUserMs', 'cpu_user_ms'],
  ['cpuSystemMs', 'cpu_system_ms'],
  ['memoryCurrentBytes', 'memory_current_bytes'],
  ['memoryPeakBytes', 'memory_peak_bytes'],
  ['memoryAverageBytes', 'memory_average_bytes'],
  ['readBytes', 'read_bytes'],
  ['writeBytes', 'write_bytes'],
  ['readOps', 'read_ops'],
  ['writeOps', 'write_ops'],
  ['diskReadBytes', 'disk_read_bytes'],
  ['diskWriteBytes', 'disk_write_bytes'],
  ['processesCurrent', 'processes_current'],
  ['processesPeak', 'processes_peak'],
  ['processesSeen', 'processes_seen'],
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['cacheReadTokens', 'cache_read_tokens'],
  ['cacheWriteTokens', 'cache_write_tokens'],
  ['costUsd', 'cost_usd'],
  ['turns', 'turns'],
  ['model', 'model'],
  ['samples', 'samples'],
  ['method', 'method'],
  ['missing', 'missing'],
] as const satisfies ReadonlyArray<readonly [keyof TaskMetrics, string]>;

const SNAPSHOT_COLUMNS = [
  ['at', 'at'],
  ['running', 'running'],
  ['queued', 'queued'],
  ['blocked', 'blocked'],
  ['completed', 'completed'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['finishedLastHour', 'finished_last_hour'],
  ['durationAverageMs', 'duration_average_ms'],
  ['durationP95Ms', 'duration_p95_ms'],
  ['machineCpuPercent', 'machine_cpu_percent'],
  ['machineCpuCores', 'machine_cpu_cores'],
  ['machineMemoryUsedBytes', 'machine_memory_used_bytes'],
  ['machineMemoryTotalBytes', 'machine_memory_total_bytes'],
  ['hostCpuPercent', 'host_cpu_percent'],
  ['hostMemoryBytes', 'host_memory_bytes'],
  ['costTodayUsd', 'cost_today_usd'],
  ['missing', 'missing'],
] as const satisfies ReadonlyArray<readonly [keyof SystemSnapshot, string]>;

const MAX_SNAPSHOTS = 100_000;

/**
 * The {@link MetricsStore} on the same SQLite file as the tasks: on its own connection
 * ({@link SqliteMetricsStore.open}) or on the task store's ({@link SqliteTaskStore.metricsStore}).
 * Task metrics are keyed by task and attempt and deleted with their task; a live row is replaced
 * by each sample and never overwrites the final one.
 */
export class SqliteMetricsStore implements MetricsStore {
  readonly path: string;
  readonly #db: Database;
  readonly #sql: PreparedStatements;
  // On a shared connection: saves join the turn's transaction, and the owner closes it.
  readonly #shared: TurnWrites | undefined;

  private constructor(db: Database, path: string, shared: TurnWrites | undefined) {
    this.#db = db;
    this.#sql = new PreparedStatements(db);
    this.path = path;
    this.#shared = shared;
  }

  /** Opens (creating if needed) the database and applies pending migrations. */
  static open(options: OpenDatabaseOptions): SqliteMetricsStore {
    return new SqliteMetricsStore(openDatabase(options), options.path, undefined);
  }

  /** Use {@link SqliteTaskStore.metricsStore}. */
  static onConnection(db: Database, path: string, writes: TurnWrites): SqliteMetricsStore {
    return new SqliteMetricsStore(db, path, writes);
  }

  /** Closes its own connection; a shared one stays open for its owner. */
  close(): void {
    if (this.#shared === undefined && this.#db.open) this.#db.close();
  }

  saveTaskMetrics(metrics: readonly TaskMetrics[]): Promise<void> {
    const save = (): void => {
      const columns = TASK_METRIC_COLUMNS.map(([, column]) => column);
      const updates = columns
        .filter((column) => column !== 'task_id' && column !== 'attempt')
        .map((column) => `${column} = excluded.${column}`);
      const statement = this.#sql.statement(
        'metrics.saveTask',
        `INSERT INTO task_metrics (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
         ON CONFLICT (task_id, attempt) DO UPDATE SET ${updates.join(', ')}
         WHERE task_metrics.live = 1 OR excluded.live = 0`,
      );
      for (const entry of metrics) {
        statement.run(
          ...TASK_METRIC_COLUMNS.map(([field]) => {
            const value = entry[field];
            if (field === 'missing') return JSON.stringify(value);
            return typeof value === 'boolean' ? (value ? 1 : 0) : value;
          }),
        );
      }
    };
    if (this.#shared !== undefined) return this.#shared.enqueue('save task metrics', save);
    return settleStorageWork(this.path, 'save task metrics', () => this.#db.transaction(save).immediate());
  }

  taskMetrics(taskId: string): Promise<TaskMetrics[]> {
    return settleStorageWork(this.path, 'read task metrics', () =>
      // Live only while that attempt still runs: a host that died left its last sample behind.
      this.#sql
        .all<Row>(
          'metrics.byTask',
          `SELECT ${taskMetricSelect('m')}, (t.status = 'running' AND t.attempt = m.attempt) AS stillRunning
         FROM task_metrics AS m JOIN tasks AS t ON t.id = m.task_id WHERE m.task_id = ? ORDER BY m.attempt`,
          taskId,
        )
        .map(({ stillRunning, ...row }) => taskMetricsFromRow({ ...row, live: row.live === 1 && stillRunning === 1 ? 1 : 0 })),
    );
  }

  runningTaskMetrics(): Promise<TaskMetrics[]> {
    return settleStorageWork(this.path, 'read task metrics', () =>
      this.#sql
        .all<Row>(
          'metrics.running',
          `SELECT ${taskMetricSelect('m')} FROM tasks AS t JOIN task_metrics AS m ON m.task_id = t.id AND m.attempt = t.attempt
         WHERE t.status = 'running' AND m.live = 1 ORDER BY t.seq`,
        )
        .map(taskMetricsFromRow),
    );
  }

  costSince(since: number): Promise<number> {
    return this.#spent('metrics.spentSince', 'finished_at >= ? AND cost_usd IS NOT NULL', since);
  }

  taskCost(taskId: string): Promise<number> {
    return this.#spent('metrics.taskCost', 'task_id = ?', taskId);
  }

  // What the attempts that match `where` cost together (0 when none reported a cost).
  #spent(name: string, where: string, parameter: number | string): Promise<number> {
    return settleStorageWork(this.path, 'read spending', () => {
      const row = this.#sql.get<{ spent: number }>(
        name,
        `SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM task_metrics WHERE ${where}`,
        parameter,
      );
      return row?.spent ?? 0;
    });
  }

  taskStatistics(since: number): Promise<TaskStatistics> {
    return settleStorageWork(this.path, 'count tasks', () => {
      const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
      for (const row of this.#sql.all<{ status: TaskStatus; n: number }>(
        'tasks.count',
        'SELECT status, COUNT(*) AS n FROM tasks GROUP BY status',
      )) {
        counts[row.status] = row.n;
      }
      const blocked = this.#sql.get<{ n: number }>(
        'tasks.blocked',
        "SELECT COUNT(*) AS n FROM tasks WHERE status = 'queued' AND pending_dependencies > 0",
      );
      const durations = this.#sql.all<{ duration: number }>(
        'tasks.recentDurations',
        `SELECT finished_at - started_at AS duration FROM tasks
         WHERE finished_at >= ? AND started_at IS NOT NULL AND status IN ('completed', 'failed', 'cancelled')`,
        since,
      );
      return { ...counts, blocked: blocked?.n ?? 0, recentDurationsMs: durations.map((row) => Math.max(0, row.duration)) };
    });
  }

  saveSnapshot(snapshot: SystemSnapshot): Promise<void> {
    return settleStorageWork(this.path, 'save a metrics snapshot', () => {
      const columns = SNAPSHOT_COLUMNS.map(([, column]) => column);
      this.#sql.run(
        'snapshots.insert',
        `INSERT OR REPLACE INTO metrics_snapshots (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        ...SNAPSHOT_COLUMNS.map(([field]) => (field === 'missing' ? JSON.stringify(snapshot.missing) : snapshot[field])),
      );
    });
  }

  snapshots(range: TimeRange): Promise<SystemSnapshot[]> {
    return settleStorageWork(this.path, 'read metrics history', () => {
      const limit = Math.min(Math.max(1, range.limit ?? MAX_SNAPSHOTS), MAX_SNAPSHOTS);
      const select = SNAPSHOT_COLUMNS.map(([field, column]) => `${column} AS ${field}`).join(', ');
      const rows = this.#sql.all<Record<string, unknown>>(
        'snapshots.range',
        `SELECT ${select} FROM metrics_snapshots WHERE at BETWEEN ? AND ? ORDER BY at DESC LIMIT ?`,
        range.since,
        range.until,
        limit,
      );
      return rows.reverse().map((row) => ({ ...row, missing: JSON.parse(row.missing as string) as MissingFigure[] }) as SystemSnapshot);
    });
  }

  pruneSnapshots(before: number): Promise<number> {
    return settleStorageWork(
      this.path,
      'prune metrics history',
      () => this.#sql.run('snapshots.prune', 'DELETE FROM metrics_snapshots WHERE at < ?', before).changes,
    );
  }

  /**
   * Shows why queued tasks of `agents` wait: sets `detail` on those without one (or with an
   * older text starting with `prefix`), or, with `detail` null, clears the texts starting with
   * `prefix`. Returns how many tasks changed.
   */
  markWaiting(agents: readonly string[], prefix: string, detail: string | null, now: number): Promise<number> {
    return settleStorageWork(this.path, 'mark waiting tasks', () => {
      if (detail === null) {
        return this.#sql.run(
          'tasks.clearWaiting',
          "UPDATE tasks SET status_detail = NULL, updated_at = ? WHERE status = 'queued' AND substr(status_detail, 1, length(?)) = ?",
          now,
          prefix,
          prefix,
        ).changes;
      }
      return this.#sql.run(
        'tasks.markWaiting',
        `UPDATE tasks SET status_detail = ?, updated_at = ?
         WHERE status = 'queued' AND agent IN (SELECT value FROM json_each(?))
           AND (status_detail IS NULL OR (substr(status_detail, 1, length(?)) = ? AND status_detail <> ?))`,
        detail,
        now,
        JSON.stringify(agents),
        prefix,
        prefix,
        detail,
      ).changes;
    });
  }
}

type Row = Record<string, unknown>;

function taskMetricSelect(alias: string): string {
  return TASK_METRIC_COLUMNS.map(([field, column]) => `${alias}.${column} AS ${field}`).join(', ');
}

function taskMetricsFromRow(row: Row): TaskMetrics {
  return { ...row, live: row.live === 1, missing: JSON.parse(row.missing as string) as MissingFigure[] } as TaskMetrics;
}
