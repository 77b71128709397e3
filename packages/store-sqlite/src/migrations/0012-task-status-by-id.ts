import type { Migration } from './migration.js';

/**
 * An index on `(id, status)`, which also holds each task's `seq` (its rowid): storing a task
 * looks up every dependency it names by id for its `seq` and status, and this answers that from
 * the index alone, one b-tree descent per dependency instead of one in the id index and another
 * in the table for the row. Existing rows are indexed as the index is created.
 *
 * In PostgreSQL the same is `CREATE INDEX tasks_id_status ON tasks (id) INCLUDE (seq, status)`.
 */
export const taskStatusById: Migration = {
  version: 12,
  name: 'tasks_id_status: seq and status by id from the index',
  sql: `
    CREATE INDEX tasks_id_status ON tasks (id, status);
  `,
};
