import type { Migration } from './migration.js';

/**
 * A task's own dependencies move into its row (`tasks.dependency_seqs`, a JSON array of the
 * `seq`s it depends on, NULL for none), and the reverse direction gets a table of its own,
 * `task_dependents (depends_on_seq, task_seq)`, which a task's end walks to find who waits for
 * it. Storing a workflow then writes each edge once into a b-tree (the reverse one) instead of
 * twice, and checks no foreign key per edge: a new task's dependencies were just looked up in the
 * same transaction. What the foreign keys' cascade did, a trigger does: deleting a task (prune)
 * takes it out of its dependents' rows and drops its reverse edges. `claudine db check` compares
 * the two directions, since no constraint ties them any more.
 *
 * In PostgreSQL the same shape is a `bigint[]` column (`dependency_seqs bigint[]`, read with
 * `unnest`), the same `task_dependents` table with its primary key, and an `AFTER DELETE ON
 * tasks` trigger function doing the two statements below (`array_remove` for the first).
 */
export const dependenciesInTaskRows: Migration = {
  version: 11,
  name: 'dependencies in the task row; task_dependents for reverse lookups',
  sql: `
    ALTER TABLE tasks ADD COLUMN dependency_seqs TEXT;
    UPDATE tasks SET dependency_seqs = (
      SELECT json_group_array(depends_on_seq) FROM task_dependencies WHERE task_seq = tasks.seq
    )
    WHERE seq IN (SELECT task_seq FROM task_dependencies);

    CREATE TABLE task_dependents (
      depends_on_seq INTEGER NOT NULL,
      task_seq INTEGER NOT NULL,
      PRIMARY KEY (depends_on_seq, task_seq)
    ) WITHOUT ROWID;
    INSERT INTO task_dependents (depends_on_seq, task_seq)
      SELECT depends_on_seq, task_seq FROM task_dependencies ORDER BY depends_on_seq, task_seq;
    DROP TABLE task_dependencies;

    CREATE TRIGGER tasks_deleted_edges AFTER DELETE ON tasks
    BEGIN
      UPDATE tasks SET dependency_seqs = nullif(
        (SELECT json_group_array(j.value) FROM json_each(tasks.dependency_seqs) AS j WHERE j.value != OLD.seq), '[]')
      WHERE seq IN (SELECT task_seq FROM task_dependents WHERE depends_on_seq = OLD.seq);
      DELETE FROM task_dependents WHERE depends_on_seq = OLD.seq;
      DELETE FROM task_dependents
      WHERE depends_on_seq IN (SELECT value FROM json_each(OLD.dependency_seqs)) AND task_seq = OLD.seq;
    END;
  `,
};
