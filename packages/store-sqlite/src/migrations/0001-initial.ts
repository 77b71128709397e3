import type { Migration } from './migration.js';

/** Tasks, their dependencies and attempts, and the hosts that run them. */
export const initial: Migration = {
  version: 1,
  name: 'tasks, dependencies, attempts and hosts',
  sql: `
    CREATE TABLE tasks (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
      priority INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 2),
      agent TEXT NOT NULL,
      prompt TEXT NOT NULL,
      cwd TEXT NOT NULL,
      agent_options TEXT NOT NULL DEFAULT '{}',
      labels TEXT NOT NULL DEFAULT '[]',
      timeout_ms INTEGER NOT NULL,
      max_retries INTEGER NOT NULL DEFAULT 0,
      attempt INTEGER NOT NULL DEFAULT 0,
      dependency_policy TEXT NOT NULL DEFAULT 'fail',
      pass_dependency_results INTEGER NOT NULL DEFAULT 0,
      -- Dependencies not yet completed; the task is ready when this is 0.
      pending_dependencies INTEGER NOT NULL DEFAULT 0,
      not_before INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      owner TEXT,
      lease_expires_at INTEGER,
      pid INTEGER,
      pid_start_time TEXT,
      cancel_requested_at INTEGER,
      failure_reason TEXT,
      status_detail TEXT,
      exit_code INTEGER,
      signal TEXT,
      report TEXT,
      warned_at INTEGER,
      output_truncated INTEGER NOT NULL DEFAULT 0
    );
    -- The claim query walks this index in order and stops at the first ready task.
    CREATE INDEX tasks_ready ON tasks (priority, seq) WHERE status = 'queued' AND pending_dependencies = 0;
    CREATE INDEX tasks_by_status ON tasks (status, seq);
    CREATE INDEX tasks_running_by_owner ON tasks (owner) WHERE status = 'running';
    CREATE INDEX tasks_finished_at ON tasks (finished_at) WHERE finished_at IS NOT NULL;

    CREATE TABLE task_dependencies (
      task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      depends_on TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      PRIMARY KEY (task_id, depends_on)
    ) WITHOUT ROWID;
    CREATE INDEX task_dependencies_by_dependency ON task_dependencies (depends_on, task_id);

    CREATE TABLE task_attempts (
      task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      attempt INTEGER NOT NULL,
      owner TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      outcome TEXT,
      failure_reason TEXT,
      detail TEXT,
      exit_code INTEGER,
      signal TEXT,
      PRIMARY KEY (task_id, attempt)
    ) WITHOUT ROWID;

    CREATE TABLE hosts (
      id TEXT PRIMARY KEY,
      pid INTEGER NOT NULL,
      pid_start_time TEXT,
      hostname TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      heartbeat_at INTEGER NOT NULL,
      stopped_at INTEGER,
      holds_lock INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    -- At most one host holds the data dir's lock.
    CREATE UNIQUE INDEX hosts_lock_holder ON hosts (holds_lock) WHERE holds_lock = 1;
  `,
};
