import { closeSync, openSync } from 'node:fs';
import { ClaudineError } from '@claudine/core';
import Database from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations/index.js';
import { toStorageError } from './sqlite-errors.js';

/** How to open a Claudine database. */
export interface OpenDatabaseOptions {
  /** The database file; created when missing (its directory must exist). */
  readonly path: string;
  /**
   * How long a writer waits for another process's transaction before failing with
   * `storage_locked` (default 5000 ms).
   */
  readonly busyTimeoutMs?: number;
  /**
   * `FULL` (default) fsyncs every commit: an acknowledged write survives power loss. `NORMAL`
   * survives a crash of the process but may lose the last commits on power loss; the host uses
   * it for its own state changes, which recovery repairs (see the README).
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/** Opens the database with Claudine's pragmas and brings its schema up to date. */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { path } = options;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  let db: Database.Database;
  try {
    // Created private (0600) before SQLite opens it: SQLite gives the -wal and -shm files the
    // permissions of the database file, and prompts in it may hold secrets.
    closeSync(openSync(path, 'a', 0o600));
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw toStorageError(error, path, 'open the database');
  }
  try {
    enableWal(db, busyTimeoutMs);
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = ON');
    // Keeps the WAL file from staying large after a burst; checkpoints stay automatic.
    db.pragma('journal_size_limit = 67108864');
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    throw toStorageError(error, path, 'open the database');
  }
}

/**
 * Switches the database to WAL, waiting for other processes as long as the busy timeout allows.
 * The switch needs an exclusive lock, and SQLite answers SQLITE_BUSY at once, without calling
 * the busy handler, when another connection is creating or recovering the same WAL: several
 * processes opening one new database at the same time hit it.
 */
function enableWal(db: Database.Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt += 1) {
    try {
      // WAL is persistent: once one process has switched the file, reading the mode is enough.
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY') !== true || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, Math.min(2 ** attempt, 50));
    }
  }
}

function migrate(db: Database.Database, path: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const current = (db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null }).version ?? 0;
  if (current > LATEST_SCHEMA_VERSION) {
    throw new ClaudineError(
      'storage_too_new',
      `The database ${path} has schema version ${current}, but this Claudine knows versions up to ${LATEST_SCHEMA_VERSION}. It was written by a newer Claudine: upgrade Claudine, or set CLAUDINE_HOME to another directory.`,
      { details: { path, version: current, supported: LATEST_SCHEMA_VERSION } },
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  for (const migration of MIGRATIONS) {
    // Each version not yet applied is, even one below the newest applied: versions written on
    // separate branches may land in either order.
    if (migration.version <= current && applied.get(migration.version) !== undefined) continue;
    db.transaction(() => {
      // Another process opening the same new database may have applied it since `current` was
      // read: checked again under the write lock, or its second run fails ("table exists").
      if (applied.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
}
