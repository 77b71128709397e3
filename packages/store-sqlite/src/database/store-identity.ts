import { ClaudineError } from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The random identity the database got when it was created (migration 6), kept by backups. Logs
 * written for this database carry it too, so a log no task refers to is deleted only when both
 * belong together.
 */
export function readStoreIdentity(db: BetterSqlite3.Database, path: string): string {
  const row = db.prepare('SELECT id FROM store_identity WHERE singleton = 1').get() as { id: string } | undefined;
  if (row === undefined) {
    throw new ClaudineError(
      'storage_corrupt',
      `The database ${path} has no identity (table store_identity is empty). Run \`claudine db check\`.`,
      {
        details: { path },
      },
    );
  }
  return row.id;
}
