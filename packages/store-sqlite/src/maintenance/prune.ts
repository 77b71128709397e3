import { TERMINAL_STATUSES } from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Deletes finished tasks (completed, failed, cancelled) that finished before `finishedBefore`,
 * in batches so the write lock is held only briefly, with their dependencies and attempts.
 * Returns the ids deleted, so their output can be removed too.
 */
export function pruneFinished(db: BetterSqlite3.Database, finishedBefore: number, batchSize = 500): string[] {
  const statement = db.prepare(
    `DELETE FROM tasks WHERE seq IN (
       SELECT seq FROM tasks
       WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN (SELECT value FROM json_each(?))
       LIMIT ?)
     RETURNING id`,
  );
  const terminal = JSON.stringify(TERMINAL_STATUSES);
  const deleted: string[] = [];
  for (;;) {
    const batch = db.transaction(() => statement.all(finishedBefore, terminal, batchSize) as Array<{ id: string }>).immediate();
    for (const row of batch) deleted.push(row.id);
    if (batch.length < batchSize) return deleted;
  }
}
