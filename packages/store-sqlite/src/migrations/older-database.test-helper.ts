import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteTaskStore } from '../sqlite-task-store.js';
import { MIGRATIONS } from './index.js';

/**
 * Creates a database file whose schema is what Claudine had at `version`: every migration up to
 * it applied and recorded, none after. A migration test fills it with rows as that version wrote
 * them (see {@link insertRows}), closes it and opens the store, which migrates it.
 */
export function databaseAtVersion(path: string, version: number): Database.Database {
  const old = new Database(path);
  old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const migration of MIGRATIONS.filter((candidate) => candidate.version <= version)) {
    old.exec(migration.sql);
    old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, 1);
  }
  return old;
}

/** Runs one prepared INSERT per row. */
export function insertRows(database: Database.Database, sql: string, rows: ReadonlyArray<readonly unknown[]>): void {
  const insert = database.prepare(sql);
  for (const row of rows) insert.run(...row);
}

/** The rows of a query, as arrays, read from the database file through a read-only connection of its own. */
export function rowsOf(path: string, sql: string): unknown[][] {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.prepare(sql).raw(true).all() as unknown[][];
  } finally {
    raw.close();
  }
}

/**
 * Writes `claudine.db` in `directory` as Claudine at `version` had it (`fill` adds the rows that
 * version wrote), then opens the store on it, which migrates it.
 */
export function storeOnOlderDatabase(
  directory: string,
  version: number,
  fill: (old: Database.Database) => void,
): { path: string; store: SqliteTaskStore } {
  const path = join(directory, 'claudine.db');
  const old = databaseAtVersion(path, version);
  fill(old);
  old.close();
  return { path, store: SqliteTaskStore.open({ path }) };
}

/**
 * Command tasks as a database of version 11 or later holds them, one row each:
 * [seq, id, status, its dependencies' seqs as JSON or null, pending dependencies, finished_at].
 */
export function insertTaskRows(database: Database.Database, rows: ReadonlyArray<readonly unknown[]>): void {
  insertRows(
    database,
    `INSERT INTO tasks (seq, id, status, priority, agent, prompt, cwd, timeout_ms, dependency_seqs, pending_dependencies,
       created_at, updated_at, finished_at)
     VALUES (?, ?, ?, 1, 'command', 'true', '/tmp', 1000, ?, ?, 1, 1, ?)`,
    rows,
  );
}
