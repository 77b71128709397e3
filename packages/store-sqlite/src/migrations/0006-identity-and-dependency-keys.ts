import type { Migration } from './migration.js';

/**
 * Two changes. The database gets a random identity, made once when it is created (or migrated
 * to this version) and kept by backups: the host writes it beside the task logs, and deletes a
 * log no task refers to only in a data directory whose logs carry the same identity, so logs are
 * never taken for orphans of a database they do not belong to.
 *
 * Dependencies are keyed by `seq` instead of by id: a new task's edges then go at the end of
 * the primary key instead of at random places (task ids are random), and both indexes hold
 * small integers. Storing a large workflow writes far fewer pages (`pnpm bench dag-store`).
 */
export const identityAndDependencyKeys: Migration = {
  version: 6,
  name: 'database identity; dependencies keyed by seq',
  sql: `
    CREATE TABLE store_identity (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      id TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    INSERT INTO store_identity (singleton, id, created_at) VALUES (1, lower(hex(randomblob(16))), unixepoch() * 1000);

    CREATE TABLE task_dependencies_by_seq (
      task_seq INTEGER NOT NULL REFERENCES tasks (seq) ON DELETE CASCADE,
      depends_on_seq INTEGER NOT NULL REFERENCES tasks (seq) ON DELETE CASCADE,
      PRIMARY KEY (task_seq, depends_on_seq)
    ) WITHOUT ROWID;
    INSERT INTO task_dependencies_by_seq (task_seq, depends_on_seq)
      SELECT t.seq, u.seq FROM task_dependencies AS d JOIN tasks AS t ON t.id = d.task_id JOIN tasks AS u ON u.id = d.depends_on
      ORDER BY t.seq, u.seq;
    DROP TABLE task_dependencies;
    ALTER TABLE task_dependencies_by_seq RENAME TO task_dependencies;
    CREATE INDEX task_dependencies_by_dependency ON task_dependencies (depends_on_seq, task_seq);
  `,
};
