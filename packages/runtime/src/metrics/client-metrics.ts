import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SystemSnapshot, Task, TaskMetrics, TimeRange } from '@claudine/core';
import { createSystemUsageMeter, renderPrometheus, type SystemUsage } from '@claudine/metrics';
import { type HostRecord, SqliteMetricsStore } from '@claudine/store-sqlite';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';
import { type BudgetStatus, budgetStatus, startOfDay } from './budget.js';
import { buildSnapshot, SNAPSHOT_WINDOW_MS } from './system-snapshot.js';

/** The system now, as `claudine metrics` shows it. */
export interface SystemMetricsReport {
  readonly snapshot: SystemSnapshot;
  /** Live figures of the running tasks (as of the host's last sample). */
  readonly running: readonly TaskMetrics[];
  readonly budget: BudgetStatus;
}

/** Reads metrics: per task, of the system now, and the history the host kept. */
export interface MetricsReader {
  /** Every attempt of a task, oldest first; live while it runs. Throws `not_found`. */
  task(id: string): Promise<TaskMetrics[]>;
  /**
   * The system now. Machine and host CPU are measured over `windowMs` (default 250 ms), so this
   * takes that long.
   */
  system(options?: { readonly windowMs?: number }): Promise<SystemMetricsReport>;
  /** Snapshots the host took in `range`, oldest first. */
  history(range: TimeRange): Promise<SystemSnapshot[]>;
  /** The system now and the running tasks in the Prometheus text format. */
  prometheus(): Promise<string>;
  close(): void;
}

/** What {@link createMetricsReader} needs from the client. */
export interface MetricsReaderOptions {
  readonly layout: DataLayout;
  readonly config: Config;
  readonly getTask: (id: string) => Promise<Task>;
  /** The live host, if any. */
  readonly host: () => Promise<HostRecord | null>;
}

/** A {@link MetricsReader}; its database connection is opened on first use. */
export function createMetricsReader(options: MetricsReaderOptions): MetricsReader {
  const { config } = options;
  let store: SqliteMetricsStore | undefined;
  const open = (): SqliteMetricsStore => {
    store ??= SqliteMetricsStore.open({ path: options.layout.database, busyTimeoutMs: config.database.busyTimeout });
    return store;
  };

  async function system(windowMs = 250): Promise<SystemMetricsReport> {
    const host = await options.host();
    // The host is measured from outside, through /proc, when it runs on this machine.
    const hostPid = host !== null && host.hostname === hostname() ? host.pid : undefined;
    const meter = createSystemUsageMeter(hostPid === undefined ? {} : { pid: hostPid });
    await sleep(windowMs);
    const reading = meter.read();
    const usage: SystemUsage =
      hostPid === undefined
        ? {
            ...reading,
            hostCpuPercent: null,
            hostMemoryBytes: null,
            missing: [
              ...reading.missing.filter((entry) => !entry.figure.startsWith('host')),
              { figure: 'host-cpu', reason: 'no host runs on this machine' },
              { figure: 'host-memory', reason: 'no host runs on this machine' },
            ],
          }
        : reading;
    const metrics = open();
    const now = Date.now();
    const statistics = await metrics.taskStatistics(now - SNAPSHOT_WINDOW_MS);
    const costToday = await metrics.costSince(startOfDay(now));
    return {
      snapshot: buildSnapshot(now, statistics, costToday, usage),
      running: await metrics.runningTaskMetrics(),
      budget: budgetStatus(config, costToday, now),
    };
  }

  return {
    async task(id) {
      await options.getTask(id);
      return open().taskMetrics(id);
    },
    system: (systemOptions) => system(systemOptions?.windowMs),
    history: (range) => open().snapshots(range),
    async prometheus() {
      const report = await system();
      return renderPrometheus({ snapshot: report.snapshot, tasks: report.running, dailyBudgetUsd: report.budget.dailyUsd });
    },
    close() {
      store?.close();
    },
  };
}
