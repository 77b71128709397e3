import { useTempDir } from '@claudine/test-utils';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { completedOutcome } from '../tasks.test-helper.js';
import { insertRows, rowsOf, storeOnOlderDatabase } from './older-database.test-helper.js';

const temp = useTempDir();

// A database as the version before this migration wrote it: tasks a..e with edges keyed by seq
// in `task_dependencies`. b and c wait for a; d waits for b and c; e waits for a, which is done.
function fillVersion10(old: Database.Database): void {
  insertRows(
    old,
    `INSERT INTO tasks (seq, id, status, priority, agent, prompt, cwd, timeout_ms, pending_dependencies, created_at, updated_at, finished_at)
     VALUES (?, ?, ?, 1, 'command', 'true', '/tmp', 1000, ?, 1, 1, ?)`,
    [
      [1, 'aaaaaaaaaa', 'queued', 0, null],
      [2, 'bbbbbbbbbb', 'queued', 1, null],
      [3, 'cccccccccc', 'queued', 1, null],
      [4, 'dddddddddd', 'queued', 2, null],
      [5, 'eeeeeeeeee', 'completed', 0, 5],
      [6, 'ffffffffff', 'queued', 0, null],
    ],
  );
  insertRows(old, 'INSERT INTO task_dependencies (task_seq, depends_on_seq) VALUES (?, ?)', [
    [2, 1],
    [3, 1],
    [4, 2],
    [4, 3],
    [6, 5],
  ]);
}

describe('migration 11: dependencies in the task row, reverse edges in task_dependents', () => {
  it('keeps every edge of an older database in both directions, and the store works on them', async () => {
    const { path, store } = storeOnOlderDatabase(temp.path, 10, fillVersion10);
    try {
      const reverse = rowsOf(path, 'SELECT depends_on_seq, task_seq FROM task_dependents ORDER BY 1, 2');
      const forward = rowsOf(path, 'SELECT seq, dependency_seqs FROM tasks WHERE dependency_seqs IS NOT NULL ORDER BY seq') as Array<
        [number, string]
      >;
      const tables = rowsOf(path, "SELECT name FROM sqlite_schema WHERE name = 'task_dependencies'");
      expect(reverse).toEqual([
        [1, 2],
        [1, 3],
        [2, 4],
        [3, 4],
        [5, 6],
      ]);
      expect(forward.map(([seq, seqs]) => [seq, (JSON.parse(seqs) as number[]).sort()])).toEqual([
        [2, [1]],
        [3, [1]],
        [4, [2, 3]],
        [6, [5]],
      ]);
      expect(tables).toEqual([]);
      expect((await store.checkIntegrity()).problems).toEqual([]);
      expect(await store.get('dddddddddd')).toMatchObject({
        dependsOn: ['bbbbbbbbbb', 'cccccccccc'],
        blockedBy: ['bbbbbbbbbb', 'cccccccccc'],
      });
      expect((await store.graph({ taskId: 'cccccccccc' })).tasks.map((task) => task.id)).toEqual([
        'aaaaaaaaaa',
        'bbbbbbbbbb',
        'cccccccccc',
        'dddddddddd',
      ]);

      // A finish releases the dependents found through the migrated reverse edges.
      const now = Date.now();
      const claimed = await store.claimNext({ owner: 'host', maxRunning: 10, now, leaseExpiresAt: now + 30_000 });
      expect(claimed?.id).toBe('aaaaaaaaaa');
      await store.finish('aaaaaaaaaa', 'host', completedOutcome());
      expect((await store.get('bbbbbbbbbb'))?.blockedBy).toEqual([]);
      expect((await store.get('dddddddddd'))?.blockedBy).toEqual(['bbbbbbbbbb', 'cccccccccc']);

      // Edge changes write both directions.
      const changed = await store.updateDependencies('dddddddddd', { remove: ['bbbbbbbbbb'], add: ['ffffffffff'] }, Date.now());
      expect(changed.ok && changed.value).toMatchObject({
        dependsOn: ['cccccccccc', 'ffffffffff'],
        blockedBy: ['cccccccccc', 'ffffffffff'],
      });
      expect((await store.checkIntegrity()).problems).toEqual([]);

      // Pruning a finished dependency takes it out of its dependent's row and the reverse table.
      expect(await store.pruneFinished(Date.now() + 1)).toEqual(['aaaaaaaaaa', 'eeeeeeeeee']);
      expect(await store.get('cccccccccc')).toMatchObject({ dependsOn: [], blockedBy: [] });
      expect(await store.get('ffffffffff')).toMatchObject({ dependsOn: [] });
      expect((await store.checkIntegrity()).problems).toEqual([]);
    } finally {
      store.close();
    }
  });
});
