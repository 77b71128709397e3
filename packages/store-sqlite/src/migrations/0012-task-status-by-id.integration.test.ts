import { useTempDir } from '@claudine/test-utils';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { newTask } from '../tasks.test-helper.js';
import { insertRows, insertTaskRows, rowsOf, storeOnOlderDatabase } from './older-database.test-helper.js';

const temp = useTempDir();

// A database as version 11 wrote it: a queued, b completed, c failed; d waits for a and b.
function fillVersion11(old: Database.Database): void {
  insertTaskRows(old, [
    [1, 'aaaaaaaaaa', 'queued', null, 0, null],
    [2, 'bbbbbbbbbb', 'completed', null, 0, 2],
    [3, 'cccccccccc', 'failed', null, 0, 3],
    [4, 'dddddddddd', 'queued', '[1,2]', 1, null],
  ]);
  insertRows(old, 'INSERT INTO task_dependents (depends_on_seq, task_seq) VALUES (?, ?)', [
    [1, 4],
    [2, 4],
  ]);
}

describe('migration 12: seq and status by id from an index', () => {
  it('indexes the existing tasks, and new tasks see their stored dependencies as they are', async () => {
    const { path, store } = storeOnOlderDatabase(temp.path, 11, fillVersion11);
    try {
      const indexed = rowsOf(path, 'SELECT seq, id, status FROM tasks INDEXED BY tasks_id_status ORDER BY id');
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
