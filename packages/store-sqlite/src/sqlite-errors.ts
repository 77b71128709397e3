import { ClaudineError, type ClaudineErrorCode, isClaudineError } from '@claudine/core';

/**
 * Turns a better-sqlite3 error into a {@link ClaudineError} that names the database file and
 * says what to do. The driver error stays in `cause`; no `SqliteError` reaches callers.
 */
export function toStorageError(error: unknown, path: string, action: string): ClaudineError {
  if (isClaudineError(error)) return error;
  const code = typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code ?? '') : '';
  const message = error instanceof Error ? error.message : String(error);
  const [claudineCode, advice] = classify(code);
  return new ClaudineError(claudineCode, `Could not ${action} in ${path}: ${message}. ${advice}`, {
    cause: error,
    details: { path, sqliteCode: code },
  });
}

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
    return [
      'storage_corrupt',
      'The file is not a valid Claudine database. Move it aside and restore a backup (`claudine db backup` makes one), or move it aside to start afresh.',
    ];
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) {
    return [
      'storage_readonly',
      'The database or its directory cannot be written. Check the permissions of the data directory (CLAUDINE_HOME) or point CLAUDINE_HOME at a writable one.',
    ];
  }
  return ['storage_failed', 'Run `claudine db check` to verify the database.'];
}
