import { randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, existsSync, linkSync, openSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ClaudineError } from '@claudine/core';
import Database from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../migrations/index.js';
import { RESTORE_ADVICE, toStorageError } from './sqlite-errors.js';

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
  /**
   * What to do with a file that exists but holds nothing (0 bytes, or SQLite with no tables):
   * `refuse` (default) throws `storage_corrupt`, because such a file is most often a database
   * that was truncated or replaced, and taking it for a new one would lose its tasks without a
   * word; `create` makes it a new database, for a caller that knows nothing was ever stored
   * there (the runtime: a data directory with no logs). A missing file is always created.
   */
  readonly emptyFile?: 'refuse' | 'create';
}

/**
 * Opens the database with Claudine's pragmas and brings its schema up to date. Refuses, with
 * `storage_corrupt` and a message that says how to restore a backup or start afresh, a file
 * that is not SQLite, SQLite without Claudine's schema (never migrated into), and an empty file
 * unless `emptyFile` is `create`.
 */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { path } = options;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  let db: Database.Database;
  try {
    if (!existsSync(path)) createDatabaseFile(path);
    db = new Database(path, { timeout: busyTimeoutMs, ...nativeBinding() });
  } catch (error) {
    throw toStorageError(error, path, 'open the database');
  }
  try {
    // Before anything writes to the file: a refused file is left exactly as it was.
    checkTrusted(db, path, options.emptyFile ?? 'refuse');
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
 * Creates a new database at `path`, whole: the schema is written to a private file beside it
 * that is then linked into place, which fails if another process got there first (its database
 * is then used). So a file at `path` is always a database that was complete when it appeared,
 * and an empty one can be refused.
 */
function createDatabaseFile(path: string): void {
  const draft = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  // Created private (0600) before SQLite opens it: SQLite gives its other files the permissions
  // of the database file, and prompts in it may hold secrets.
  closeSync(openSync(draft, 'wx', 0o600));
  try {
    const db = new Database(draft, nativeBinding());
    try {
      migrate(db, draft);
    } finally {
      db.close();
    }
    try {
      linkSync(draft, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      // A file system without hard links: an exclusive copy is the next best thing.
      copyFileSync(draft, path, constants.COPYFILE_EXCL);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    try {
      unlinkSync(draft);
    } catch {
      // Already gone.
    }
  }
}

/** Throws unless the file is Claudine's database (or an empty one that may become it). */
function checkTrusted(db: Database.Database, path: string, emptyFile: 'refuse' | 'create'): void {
  // Reading the schema is the first read of the file: one that is not SQLite fails here.
  const tables = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]);
  if (tables.size === 0) {
    if (emptyFile === 'create') return;
    throw new ClaudineError(
      'storage_corrupt',
      `The database ${path} is empty (${fileBytes(path)} bytes, no tables): it is not taken for a new one: a file that holds nothing where a database was is most often one that was truncated or replaced, and its tasks would vanish without a word. ${RESTORE_ADVICE}`,
      { details: { path, reason: 'empty' } },
    );
  }
  if (!tables.has('schema_migrations') || !tables.has('tasks')) {
    const names = [...tables].sort();
    throw new ClaudineError(
      'storage_corrupt',
      `The file ${path} is a SQLite database, but not Claudine's: it holds the table${names.length > 1 ? 's' : ''} ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''} and not Claudine's schema, so Claudine neither uses nor changes it. ${RESTORE_ADVICE}`,
      { details: { path, reason: 'foreign', tables: names } },
    );
  }
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
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

let addon: string | object | null | undefined;

// better-sqlite3 finds its native addon through the `bindings` package, which tries a dozen
// paths at every start and, inside a bundle, looks for them beside the bundle rather than in
// better-sqlite3's directory. So the addon is named here: where better-sqlite3's build puts it,
// else as `bindings` finds it from better-sqlite3's own directory. The bundles can then carry
// better-sqlite3's JavaScript (a dozen files fewer to find and compile at each start) and load
// only the addon from the installed package.
function nativeBinding(): Database.Options {
  if (addon === undefined) {
    try {
      const manifest = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
      const file = join(dirname(manifest), 'build', 'Release', 'better_sqlite3.node');
      addon = existsSync(file)
        ? file
        : (createRequire(manifest)('bindings') as (options: object) => object)({
            bindings: 'better_sqlite3.node',
            module_root: dirname(manifest),
          });
    } catch {
      addon = null;
    }
  }
  // Its types know only the path; better-sqlite3 takes the loaded addon as well.
  return addon === null ? {} : { nativeBinding: addon as string };
}
