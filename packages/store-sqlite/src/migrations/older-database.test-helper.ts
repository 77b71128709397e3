import Database from 'better-sqlite3';
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
