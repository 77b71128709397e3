import { chmodSync, existsSync, statSync } from 'node:fs';
import { ClaudineError, TERMINAL_STATUSES } from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION } from './migrations/index.js';

/** What `PRAGMA integrity_check` and friends found. */
export interface IntegrityReport {
  readonly ok: boolean;
  /** Problems found; empty when ok. */
  readonly problems: readonly string[];
  readonly schemaVersion: number;
  readonly latestSchemaVersion: number;
  readonly tasks: number;
  readonly databaseBytes: number;
  readonly walBytes: number;
}

/**
 * Checks the database: SQLite's own integrity check (every page, index and constraint),
 * foreign keys, and Claudine's invariants (no running task without an owner, dependency
 * counters that match the dependency table).
 */
export function checkIntegrity(db: BetterSqlite3.Database, path: string): IntegrityReport {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  for (const row of integrity) if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
  const foreign = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>;
  for (const row of foreign) problems.push(`${row.table} row ${row.rowid} points at a missing ${row.parent} row`);
  const ownerless = db.prepare("SELECT id FROM tasks WHERE status = 'running' AND owner IS NULL").all() as Array<{ id: string }>;
  for (const row of ownerless) problems.push(`task ${row.id} is running but has no owner`);
  const miscounted = db
    .prepare(
      `SELECT t.id, t.pending_dependencies AS recorded,
         (SELECT COUNT(*) FROM task_dependencies AS d JOIN tasks AS p ON p.id = d.depends_on
          WHERE d.task_id = t.id AND p.status NOT IN ('completed', 'failed', 'cancelled')) AS unfinished
       FROM tasks AS t WHERE t.status = 'queued' AND recorded != unfinished`,
    )
    .all() as Array<{ id: string; recorded: number; unfinished: number }>;
  for (const row of miscounted) {
    problems.push(`task ${row.id} waits on ${row.recorded} dependencies but ${row.unfinished} are unfinished`);
  }
  const version = (db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null }).version ?? 0;
  const tasks = (db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n;
  return {
    ok: problems.length === 0,
    problems,
    schemaVersion: version,
    latestSchemaVersion: LATEST_SCHEMA_VERSION,
    tasks,
    databaseBytes: fileSize(path),
    walBytes: fileSize(`${path}-wal`),
  };
}

/**
 * Copies the live database to `destination` with SQLite's online backup (readers and the host
 * keep working meanwhile; the copy is consistent). The copy is private (0600). Refuses to
 * overwrite an existing file.
 */
export async function backupDatabase(db: BetterSqlite3.Database, destination: string): Promise<{ bytes: number; pages: number }> {
  if (existsSync(destination)) {
    throw new ClaudineError('conflict', `${destination} already exists: choose another file, or remove it first.`, {
      details: { destination },
    });
  }
  const progress = await db.backup(destination);
  chmodSync(destination, 0o600);
  return { bytes: fileSize(destination), pages: progress.totalPages };
}

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

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
