import type { Migration } from './migration.js';

/** What each attempt of a task consumed, and snapshots of the whole system over time. */
export const metrics: Migration = {
  version: 5,
  name: 'task metrics and system snapshots',
  sql: `
    -- One row per attempt: updated while it runs (live = 1), final once it ends.
    CREATE TABLE task_metrics (
      task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      attempt INTEGER NOT NULL,
      agent TEXT NOT NULL,
      live INTEGER NOT NULL,
      started_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      finished_at INTEGER,
      wall_ms INTEGER NOT NULL,
      cpu_user_ms REAL,
      cpu_system_ms REAL,
      memory_current_bytes INTEGER,
      memory_peak_bytes INTEGER,
      memory_average_bytes INTEGER,
      read_bytes INTEGER,
      write_bytes INTEGER,
      read_ops INTEGER,
      write_ops INTEGER,
      disk_read_bytes INTEGER,
      disk_write_bytes INTEGER,
      processes_current INTEGER,
      processes_peak INTEGER,
      processes_seen INTEGER,
      input_tokens INTEGER,
      output_tokens INTEGER,
      cache_read_tokens INTEGER,
      cache_write_tokens INTEGER,
      cost_usd REAL,
      turns INTEGER,
      model TEXT,
      samples INTEGER NOT NULL,
      method TEXT NOT NULL,
      missing TEXT NOT NULL DEFAULT '[]',
      PRIMARY KEY (task_id, attempt)
    ) WITHOUT ROWID;
    -- Spending since midnight (the daily budget, checked by every claim) reads this index only.
    CREATE INDEX task_metrics_spending ON task_metrics (finished_at, cost_usd) WHERE cost_usd IS NOT NULL;

    CREATE TABLE metrics_snapshots (
      at INTEGER PRIMARY KEY,
      running INTEGER NOT NULL,
      queued INTEGER NOT NULL,
      blocked INTEGER NOT NULL,
      completed INTEGER NOT NULL,
      failed INTEGER NOT NULL,
      cancelled INTEGER NOT NULL,
      finished_last_hour INTEGER NOT NULL,
      duration_average_ms REAL,
      duration_p95_ms REAL,
      machine_cpu_percent REAL,
      machine_cpu_cores INTEGER NOT NULL,
      machine_memory_used_bytes INTEGER,
      machine_memory_total_bytes INTEGER,
      host_cpu_percent REAL,
      host_memory_bytes INTEGER,
      cost_today_usd REAL NOT NULL,
      missing TEXT NOT NULL DEFAULT '[]'
    );
  `,
};
