import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from './migrations/index.js';
import { openDatabase } from './open-database.js';

let temp: TempDir;

beforeEach(() => {
  temp = createTempDir();
});

afterEach(() => temp.remove());

describe('openDatabase', () => {
  it('lets several processes create the same new database at once', async () => {
    const path = join(temp.path, 'claudine.db');
    const goFile = join(temp.path, 'go');
    const worker = fileURLToPath(new URL('../test-fixtures/open-worker.mjs', import.meta.url));
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
