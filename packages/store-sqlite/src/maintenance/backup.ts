import { chmodSync, existsSync } from 'node:fs';
import { ClaudineError } from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';
import { fileSize } from './integrity-check.js';

/**
 * Copies the live database to `destination` with SQLite's online backup (readers and the host
 * keep working meanwhile; the copy is consistent). The copy is private (0600) and keeps the
 * database's identity, so restored it is recognised as the database its logs belong to.
 * Refuses to overwrite an existing file.
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
