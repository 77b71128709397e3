import type { Migration } from './migration.js';

/**
 * The environment each task was submitted with. Tasks submitted together from one client share
 * one row of `environments` (found by its digest); a row goes when its last task does.
 */
export const taskEnvironments: Migration = {
  version: 7,
  name: 'task environments',
  sql: `
    CREATE TABLE environments (
      id INTEGER PRIMARY KEY,
      digest TEXT NOT NULL UNIQUE,
      -- A JSON object of the variables, names sorted.
      variables TEXT NOT NULL
    );
    CREATE TABLE task_environments (
      task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
      environment_id INTEGER NOT NULL REFERENCES environments (id)
    ) WITHOUT ROWID;
    CREATE INDEX task_environments_by_environment ON task_environments (environment_id);
    -- Deleting a task (pruning included) deletes its row above, and with the last one the
    -- environment itself: no variable outlives every task that used it.
    CREATE TRIGGER environments_unused AFTER DELETE ON task_environments
    WHEN NOT EXISTS (SELECT 1 FROM task_environments WHERE environment_id = OLD.environment_id)
    BEGIN
      DELETE FROM environments WHERE id = OLD.environment_id;
    END;
  `,
};
