import type { Migration } from './migration.js';

/**
 * Output metadata, apart from the log files: per task, what was captured and dropped and why;
 * per segment, its place in the log, its size and whether it is compressed.
 */
export const taskOutput: Migration = {
  version: 3,
  name: 'task output and log segments',
  sql: `
    CREATE TABLE task_outputs (
      task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
      directory TEXT NOT NULL,
      stdout_bytes INTEGER NOT NULL DEFAULT 0,
      stderr_bytes INTEGER NOT NULL DEFAULT 0,
      system_bytes INTEGER NOT NULL DEFAULT 0,
      dropped_bytes INTEGER NOT NULL DEFAULT 0,
      truncated_reason TEXT,
      updated_at INTEGER NOT NULL,
      deleted_at INTEGER
    ) WITHOUT ROWID;

    CREATE TABLE task_output_segments (
      task_id TEXT NOT NULL REFERENCES task_outputs (task_id) ON DELETE CASCADE,
      start_offset INTEGER NOT NULL,
      file TEXT NOT NULL,
      log_bytes INTEGER NOT NULL,
      stored_bytes INTEGER NOT NULL,
      compressed INTEGER NOT NULL DEFAULT 0,
      closed_at INTEGER,
      PRIMARY KEY (task_id, start_offset)
    ) WITHOUT ROWID;
  `,
};
