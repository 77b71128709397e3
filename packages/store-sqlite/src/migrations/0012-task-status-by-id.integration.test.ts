import { join } from 'node:path';
import { useTempDir } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../sqlite-task-store.js';
import { newTask } from '../tasks.test-helper.js';
import { databaseAtVersion, insertRows } from './older-database.test-helper.js';

const temp = useTempDir();

// A database as version 11 wrote it: a queued, b completed, c failed; d waits for a and b.
function databaseAtVersion11(path: string): void {
  const old = databaseAtVersion(path, 11);
  insertRows(
    old,
    `INSERT INTO tasks (seq, id, status, priority, agent, prompt, cwd, timeout_ms, dependency_seqs, pending_dependencies,
       created_at, updated_at, finished_at)
     VALUES (?, ?, ?, 1, 'command', 'true', '/tmp', 1000, ?, ?, 1, 1, ?)`,
    [
      [1, 'aaaaaaaaaa', 'queued', null, 0, null],
      [2, 'bbbbbbbbbb', 'completed', null, 0, 2],
      [3, 'cccccccccc', 'failed', null, 0, 3],
      [4, 'dddddddddd', 'queued', '[1,2]', 1, null],
    ],
  );
  insertRows(old, 'INSERT INTO task_dependents (depends_on_seq, task_seq) VALUES (?, ?)', [
    [1, 4],
    [2, 4],
  ]);
  old.close();
}

describe('migration 12: seq and status by id from an index', () => {
  it('indexes the existing tasks, and new tasks see their stored dependencies as they are', async () => {
    const path = join(temp.path, 'claudine.db');
    databaseAtVersion11(path);
    const store = SqliteTaskStore.open({ path });
    try {
      const raw = new Database(path, { readonly: true });
      const indexed = raw.prepare('SELECT seq, id, status FROM tasks INDEXED BY tasks_id_status ORDER BY id').raw(true).all();
      raw.close();
      expect(indexed).toEqual([
        [1, 'aaaaaaaaaa', 'queued'],
        [2, 'bbbbbbbbbb', 'completed'],
        [3, 'cccccccccc', 'failed'],
        [4, 'dddddddddd', 'queued'],
      ]);
      expect(await store.get('dddddddddd')).toMatchObject({ dependsOn: ['aaaaaaaaaa', 'bbbbbbbbbb'], blockedBy: ['aaaaaaaaaa'] });

      // The lookup reads each dependency's status from the index: waiting for the queued one,
      // not for the completed one, and ended at once by the failed one.
      const created = await store.createMany([
        newTask({ id: 'eeeeeeeeee', dependsOn: ['aaaaaaaaaa', 'bbbbbbbbbb', 'dddddddddd'] }),
        newTask({ id: 'ffffffffff', dependsOn: ['bbbbbbbbbb', 'cccccccccc'], dependencyPolicy: 'fail' }),
      ]);
      expect(created.ok).toBe(true);
      expect(await store.get('eeeeeeeeee')).toMatchObject({
        status: 'queued',
        blockedBy: ['aaaaaaaaaa', 'dddddddddd'],
      });
      expect(await store.get('ffffffffff')).toMatchObject({ status: 'failed', failureReason: 'dependency_failed' });

      // A status change reaches the index: a new task no longer waits for a completed dependency.
      const now = Date.now();
      expect((await store.claimNext({ owner: 'host', maxRunning: 10, now, leaseExpiresAt: now + 30_000 }))?.id).toBe('aaaaaaaaaa');
      const later = await store.createMany([newTask({ id: 'gggggggggg', dependsOn: ['aaaaaaaaaa', 'bbbbbbbbbb'] })]);
      expect(later.ok).toBe(true);
      expect(await store.get('gggggggggg')).toMatchObject({ blockedBy: ['aaaaaaaaaa'] });
      expect((await store.checkIntegrity()).problems).toEqual([]);
    } finally {
      store.close();
    }
  });
});
