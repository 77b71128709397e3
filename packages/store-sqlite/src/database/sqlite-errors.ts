import { ClaudineError, type ClaudineErrorCode, isClaudineError } from '@claudine/core';
import { nativeModuleMismatch } from './native-module-mismatch.js';

/**
 * Turns a better-sqlite3 error into a {@link ClaudineError} that names the database file and
 * says what to do. The driver error stays in `cause`; no `SqliteError` reaches callers.
 */
export function toStorageError(error: unknown, path: string, action: string): ClaudineError {
  if (isClaudineError(error)) return error;
  // Loading better-sqlite3 itself failed: not a problem of the database at all.
  const mismatch = nativeModuleMismatch(error);
  if (mismatch !== undefined) return mismatch;
  const code = typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code ?? '') : '';
  const message = error instanceof Error ? error.message : String(error);
  const [claudineCode, advice] = classify(code);
  return new ClaudineError(claudineCode, `Could not ${action} in ${path}: ${message}. ${advice}`, {
    cause: error,
    details: { path, sqliteCode: code },
  });
}

/**
 * What to do with a database Claudine will not use (damaged, empty, not Claudine's): restore a
 * backup, or start afresh. Said the same way wherever a file is refused.
 */
export const RESTORE_ADVICE =
  'To restore a backup made by `claudine db backup`: stop the host (`claudine host stop`), copy the backup over this file and delete the -wal and -shm files beside it. To start afresh instead, move the file (with its -wal and -shm files) aside: Claudine then creates a new, empty database, and keeps the logs already in the data directory.';

function classify(code: string): [ClaudineErrorCode, string] {
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return [
      'storage_locked',
      'Another process held the database longer than the busy timeout. Try again; if it persists, find the process holding the file (e.g. `fuser` on it) or raise `busyTimeoutMs`.',
    ];
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR_WRITE') || code === 'SQLITE_IOERR_FSYNC') {
    return [
      'storage_full',
      'The disk is full or failing. Free space (e.g. `claudine db prune`), then try again. Committed tasks are safe.',
    ];
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return ['storage_corrupt', `The file is not a valid Claudine database: it is damaged, or not a database at all. ${RESTORE_ADVICE}`];
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) {
    return [
      'storage_readonly',
      'The database or its directory cannot be written. Check the permissions of the data directory (CLAUDINE_HOME) or point CLAUDINE_HOME at a writable one.',
    ];
  }
  return ['storage_failed', 'Run `claudine db check` to verify the database.'];
}
