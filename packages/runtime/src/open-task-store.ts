import { readdirSync } from 'node:fs';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import type { DataLayout } from './config/data-directory.js';

/**
 * Opens the task store of a data directory. An empty database file is taken for a new database
 * only while the logs directory is empty too: once tasks have run there, an empty file is a
 * database that was lost (truncated, replaced) and is refused with `storage_corrupt`, whose
 * message says how to restore a backup or start afresh. A missing file is always a new database;
 * the logs then stay, because the log sweep deletes orphans only for the database whose identity
 * the logs directory records.
 */
export function openTaskStore(
  layout: DataLayout,
  options: { readonly busyTimeoutMs: number; readonly synchronous?: 'FULL' | 'NORMAL' },
): SqliteTaskStore {
  return SqliteTaskStore.open({
    path: layout.database,
    busyTimeoutMs: options.busyTimeoutMs,
    ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
    emptyFile: hasEntries(layout.logs) ? 'refuse' : 'create',
  });
}

function hasEntries(directory: string): boolean {
  try {
    return readdirSync(directory).length > 0;
  } catch {
    return false;
  }
}
