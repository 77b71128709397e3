import type { Migration } from './migration.js';

/**
 * The reverse edges in two tables: `task_dependents_recent` takes the edges of new tasks and
 * `task_dependents_merged` holds the rest; the view `task_dependents` is both, and every reader
 * reads it. A workflow's dependencies are spread over the whole graph, so a batch's reverse
 * edges land on most leaf pages of one large table and every commit wrote nearly all of them to
 * the WAL. The recent table stays a few hundred pages, and the store moves it into the merged
 * one in a single sorted pass once it holds enough edges (`mergeRecentDependents`), so the large
 * table's pages are written once per merge instead of once per batch.
 *
 * The delete trigger of migration 11 now takes a deleted task's reverse edges out of both.
 * In PostgreSQL the same shape is two tables and the same `UNION ALL` view.
 */
export const recentDependents: Migration = {
  version: 13,
  name: 'reverse edges in task_dependents_merged and task_dependents_recent, read through the view task_dependents',
  sql: `
    DROP TRIGGER tasks_deleted_edges;
    ALTER TABLE task_dependents RENAME TO task_dependents_merged;
    CREATE TABLE task_dependents_recent (
      depends_on_seq INTEGER NOT NULL,
      task_seq INTEGER NOT NULL,
      PRIMARY KEY (depends_on_seq, task_seq)
    ) WITHOUT ROWID;
    CREATE VIEW task_dependents (depends_on_seq, task_seq) AS
      SELECT depends_on_seq, task_seq FROM task_dependents_merged
      UNION ALL
      SELECT depends_on_seq, task_seq FROM task_dependents_recent;

    CREATE TRIGGER tasks_deleted_edges AFTER DELETE ON tasks
    BEGIN
      UPDATE tasks SET dependency_seqs = nullif(
        (SELECT json_group_array(j.value) FROM json_each(tasks.dependency_seqs) AS j WHERE j.value != OLD.seq), '[]')
      WHERE seq IN (SELECT task_seq FROM task_dependents WHERE depends_on_seq = OLD.seq);
      DELETE FROM task_dependents_merged WHERE depends_on_seq = OLD.seq;
      DELETE FROM task_dependents_recent WHERE depends_on_seq = OLD.seq;
      DELETE FROM task_dependents_merged
      WHERE depends_on_seq IN (SELECT value FROM json_each(OLD.dependency_seqs)) AND task_seq = OLD.seq;
      DELETE FROM task_dependents_recent
      WHERE depends_on_seq IN (SELECT value FROM json_each(OLD.dependency_seqs)) AND task_seq = OLD.seq;
    END;
  `,
};
