import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTempDir } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../migrations/index.js';
import { databaseAtVersion, insertRows } from '../migrations/older-database.test-helper.js';
import { SqliteTaskStore } from '../sqlite-task-store.js';
import { newTask } from '../tasks.test-helper.js';
import { openDatabase } from './open-database.js';

const temp = useTempDir();

describe('openDatabase', () => {
  it('lets several processes create the same new database at once', async () => {
    const path = join(temp.path, 'claudine.db');
    const goFile = join(temp.path, 'go');
    const worker = fileURLToPath(new URL('../../test-fixtures/open-worker.mjs', import.meta.url));
    const workers = 6;
    let ready = 0;
    const results = await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
            const child = spawn(process.execPath, [worker, path, goFile], { stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            child.stderr.on('data', (chunk: Buffer) => {
              stderr += chunk.toString();
              if (chunk.toString().includes('ready')) {
                ready += 1;
                // Start together, so the migrations really race.
                if (ready === workers) writeFileSync(goFile, '');
              }
            });
            child.on('error', reject);
            child.on('close', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const db = new Database(path, { readonly: true });
    try {
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
      expect(versions.at(-1)?.version).toBe(LATEST_SCHEMA_VERSION);
      expect(new Set(versions.map((row) => row.version)).size).toBe(versions.length);
    } finally {
      db.close();
    }
  });

  it('creates a new database whole and private, leaving no draft behind', () => {
    const path = join(temp.path, 'claudine.db');
    openDatabase({ path }).close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(temp.path).filter((name) => name.includes('.new-'))).toEqual([]);
  });

  it('refuses an empty file unless told it may become a new database, and leaves it as it was', () => {
    const path = join(temp.path, 'claudine.db');
    writeFileSync(path, '');
    expect(() => openDatabase({ path })).toThrow(
      expect.objectContaining({
        code: 'storage_corrupt',
        message: expect.stringMatching(/claudine\.db is empty[\s\S]*claudine db backup[\s\S]*move the file/),
      }),
    );
    expect(statSync(path).size).toBe(0);
    const db = openDatabase({ path, emptyFile: 'create' });
    expect((db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number }).version).toBe(
      LATEST_SCHEMA_VERSION,
    );
    db.close();
  });

  it("refuses a SQLite database that is not Claudine's, and never migrates into it", () => {
    const path = join(temp.path, 'notes.db');
    const other = new Database(path);
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')");
    other.close();
    const before = readFileSync(path);
    expect(() => openDatabase({ path, emptyFile: 'create' })).toThrow(
      expect.objectContaining({
        code: 'storage_corrupt',
        message: expect.stringMatching(/notes\.db is a SQLite database, but not Claudine's: it holds the table notes/),
      }),
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('moves a version 5 database to keyed dependencies and gives it an identity, keeping every edge', async () => {
    const path = join(temp.path, 'claudine.db');
    const old = databaseAtVersion(path, 5);
    insertRows(
      old,
      `INSERT INTO tasks (id, status, priority, agent, prompt, cwd, timeout_ms, pending_dependencies, created_at, updated_at)
       VALUES (?, 'queued', 1, 'command', 'true', '/tmp', 1000, ?, 1, 1)`,
      [
        ['aaaaaaaaaa', 0],
        ['bbbbbbbbbb', 1],
        ['cccccccccc', 2],
      ],
    );
    insertRows(old, 'INSERT INTO task_dependencies (task_id, depends_on) VALUES (?, ?)', [
      ['bbbbbbbbbb', 'aaaaaaaaaa'],
      ['cccccccccc', 'aaaaaaaaaa'],
      ['cccccccccc', 'bbbbbbbbbb'],
    ]);
    old.close();
    const store = SqliteTaskStore.open({ path });
    try {
      expect(store.identity).toMatch(/^[0-9a-f]{32}$/);
      expect((await store.get('cccccccccc'))?.dependsOn).toEqual(['aaaaaaaaaa', 'bbbbbbbbbb']);
      expect((await store.graph({ taskId: 'aaaaaaaaaa' })).tasks.map((task) => task.id)).toEqual([
        'aaaaaaaaaa',
        'bbbbbbbbbb',
        'cccccccccc',
      ]);
      expect((await store.checkIntegrity()).problems).toEqual([]);
      const later = await store.create(newTask({ dependsOn: ['cccccccccc'] }));
      expect(later.ok && later.value.blockedBy).toEqual(['cccccccccc']);
    } finally {
      store.close();
    }
    const reopened = SqliteTaskStore.open({ path });
    const backup = join(temp.path, 'backup.db');
    await reopened.backup(backup);
    const copy = SqliteTaskStore.open({ path: backup });
    // The identity is the database's own: the same after a reopen, and in its backups.
    expect([reopened.identity, copy.identity]).toEqual([reopened.identity, reopened.identity]);
    reopened.close();
    copy.close();
  });

  it('applies a version it misses even below the newest applied one (versions from branches that landed in another order)', () => {
    const path = join(temp.path, 'claudine.db');
    openDatabase({ path }).close();
    const db = new Database(path);
    db.exec('DROP INDEX tasks_waiting_retry; DELETE FROM schema_migrations WHERE version = 2');
    db.close();
    const reopened = openDatabase({ path });
    try {
      expect(reopened.prepare("SELECT name FROM sqlite_master WHERE name = 'tasks_waiting_retry'").get()).toBeDefined();
      expect(reopened.prepare('SELECT version FROM schema_migrations WHERE version = 2').get()).toBeDefined();
    } finally {
      reopened.close();
    }
  });
});
