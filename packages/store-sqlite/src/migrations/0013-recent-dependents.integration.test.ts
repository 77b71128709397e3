import { join } from 'node:path';
import { useTempDir } from '@claudine/test-utils';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../sqlite-task-store.js';
import { completedOutcome, newTask } from '../tasks.test-helper.js';
import { insertRows, insertTaskRows, rowsOf, storeOnOlderDatabase } from './older-database.test-helper.js';

const temp = useTempDir();

// A database as version 12 wrote it: b and c wait for a; d waits for b and c.
function fillVersion12(old: Database.Database): void {
  insertTaskRows(old, [
    [1, 'aaaaaaaaaa', 'queued', null, 0, null],
    [2, 'bbbbbbbbbb', 'queued', '[1]', 1, null],
    [3, 'cccccccccc', 'queued', '[1]', 1, null],
    [4, 'dddddddddd', 'queued', '[2,3]', 2, null],
  ]);
  insertRows(old, 'INSERT INTO task_dependents (depends_on_seq, task_seq) VALUES (?, ?)', [
    [1, 2],
    [1, 3],
    [2, 4],
    [3, 4],
  ]);
}

function edgesIn(path: string, table: string): unknown[] {
  return rowsOf(path, `SELECT depends_on_seq, task_seq FROM ${table} ORDER BY 1, 2`);
}

async function finishNext(store: SqliteTaskStore): Promise<string | undefined> {
  const now = Date.now();
  const task = await store.claimNext({ owner: 'host', maxRunning: 100_000, now, leaseExpiresAt: now + 30_000 });
  if (task !== undefined) await store.finish(task.id, 'host', completedOutcome());
  return task?.id;
}

describe('migration 13: reverse edges in a merged and a recent table', () => {
  it('keeps the edges of a version-12 database, and a finish, a new task and a prune use both tables', async () => {
    const { path, store } = storeOnOlderDatabase(temp.path, 12, fillVersion12);
    try {
      expect(edgesIn(path, 'task_dependents_merged')).toEqual([
        [1, 2],
        [1, 3],
        [2, 4],
        [3, 4],
      ]);
      expect(edgesIn(path, 'task_dependents_recent')).toEqual([]);
      expect((await store.checkIntegrity()).problems).toEqual([]);

      // A new task's reverse edges go into the recent table; the view reads both.
      expect((await store.createMany([newTask({ id: 'eeeeeeeeee', dependsOn: ['aaaaaaaaaa', 'dddddddddd'] })])).ok).toBe(true);
      expect(edgesIn(path, 'task_dependents_recent')).toEqual([
        [1, 5],
        [4, 5],
      ]);
      expect(edgesIn(path, 'task_dependents')).toEqual([
        [1, 2],
        [1, 3],
        [1, 5],
        [2, 4],
        [3, 4],
        [4, 5],
      ]);
      expect((await store.graph({ taskId: 'bbbbbbbbbb' })).tasks.map((task) => task.id)).toEqual([
        'aaaaaaaaaa',
        'bbbbbbbbbb',
        'cccccccccc',
        'dddddddddd',
        'eeeeeeeeee',
      ]);

      // Finishing a releases its dependents from both tables.
      expect(await finishNext(store)).toBe('aaaaaaaaaa');
      expect((await store.get('bbbbbbbbbb'))?.blockedBy).toEqual([]);
      expect((await store.get('eeeeeeeeee'))?.blockedBy).toEqual(['dddddddddd']);

      // An edge removed from either table, and the prune's trigger clearing both.
      const changed = await store.updateDependencies('eeeeeeeeee', { remove: ['dddddddddd'] }, Date.now());
      expect(changed.ok).toBe(true);
      const changedOld = await store.updateDependencies('dddddddddd', { remove: ['cccccccccc'] }, Date.now());
      expect(changedOld.ok).toBe(true);
      expect(await store.pruneFinished(Date.now() + 1)).toEqual(['aaaaaaaaaa']);
      expect(edgesIn(path, 'task_dependents')).toEqual([[2, 4]]);
      expect(await store.get('eeeeeeeeee')).toMatchObject({ dependsOn: [], blockedBy: [] });
      expect((await store.checkIntegrity()).problems).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('moves the recent edges into the merged table once there are many, and every edge still holds', async () => {
    const path = join(temp.path, 'claudine.db');
    const store = SqliteTaskStore.open({ path, synchronous: 'NORMAL' });
    try {
      // 12,000 tasks, each but the first five waiting for the five before it: about 60,000
      // edges, more than one merge's worth, stored in batches as a workflow would be.
      const ids = Array.from({ length: 12_000 }, (_, index) => `t${String(index).padStart(9, '0')}`);
      for (let start = 0; start < ids.length; start += 1000) {
        const batch = ids
          .slice(start, start + 1000)
          .map((id, offset) => newTask({ id, dependsOn: ids.slice(Math.max(0, start + offset - 5), start + offset) }));
        expect((await store.createMany(batch)).ok).toBe(true);
      }
      const merged = edgesIn(path, 'task_dependents_merged').length;
      const recent = edgesIn(path, 'task_dependents_recent').length;
      expect(merged).toBeGreaterThan(0);
      expect(recent).toBeLessThan(merged);
      expect(merged + recent).toBe(5 * 12_000 - 15);
      expect((await store.checkIntegrity()).problems).toEqual([]);
      // The chain resolves in order, released through merged edges: each task is ready only once
      // the five before it are done.
      const order: string[] = [];
      while (order.length < 200) order.push((await finishNext(store)) as string);
      expect(order).toEqual(ids.slice(0, 200));
      expect((await store.get(ids[200] as string))?.blockedBy).toEqual([]);
      expect((await store.get(ids[201] as string))?.blockedBy).toEqual([ids[200]]);
    } finally {
      store.close();
    }
  });
});
