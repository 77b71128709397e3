import { join } from 'node:path';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../sqlite-task-store.js';
import { completedOutcome, newTask } from '../tasks.test-helper.js';

let temp: TempDir;
let path: string;
let store: SqliteTaskStore;

beforeEach(() => {
  temp = createTempDir();
  path = join(temp.path, 'claudine.db');
  store = SqliteTaskStore.open({ path });
});

afterEach(() => {
  store.close();
  temp.remove();
});

function count(table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('task environments', () => {
  it('are stored with the task, shared between tasks that have the same, and never part of a task', async () => {
    const mine = { GITHUB_TOKEN: 'ghp_mine', PATH: '/usr/bin' };
    const batch = await store.createMany([newTask({ environment: mine }), newTask({ environment: mine })]);
    if (!batch.ok) throw new Error(batch.error.message);
    // The same variables in another order, from another client: still one stored copy.
    const same = await store.create(newTask({ environment: { PATH: '/usr/bin', GITHUB_TOKEN: 'ghp_mine' } }));
    const other = await store.create(newTask({ environment: { GITHUB_TOKEN: 'ghp_other' } }));
    const none = await store.create(newTask());
    if (!same.ok || !other.ok || !none.ok) throw new Error('not created');
    for (const task of batch.value) expect(store.taskEnvironment(task.id)).toEqual(mine);
    expect(store.taskEnvironment(other.value.id)).toEqual({ GITHUB_TOKEN: 'ghp_other' });
    expect(store.taskEnvironment(none.value.id)).toBeUndefined();
    expect(count('environments')).toBe(2);
    expect(JSON.stringify(await store.list())).not.toContain('ghp_');
    expect(JSON.stringify(await store.get(other.value.id))).not.toContain('ghp_');
  });

  it('go with their tasks when those are pruned, the shared copy with the last of them', async () => {
    const shared = { SECRET: 'one' };
    const first = await store.create(newTask({ environment: shared }));
    const second = await store.create(newTask({ environment: shared }));
    if (!first.ok || !second.ok) throw new Error('not created');
    const now = Date.now();
    const claimed = await store.claimNext({ owner: 'host-a', maxRunning: 10, now, leaseExpiresAt: now + 30_000 });
    await store.finish(claimed?.id as string, 'host-a', completedOutcome(now + 1));
    expect(await store.pruneFinished(now + 2)).toEqual([claimed?.id]);
    expect(count('task_environments')).toBe(1);
    expect(count('environments')).toBe(1);
    const rest = claimed?.id === first.value.id ? second.value.id : first.value.id;
    expect(store.taskEnvironment(rest)).toEqual(shared);
    const next = await store.claimNext({ owner: 'host-a', maxRunning: 10, now: now + 3, leaseExpiresAt: now + 30_000 });
    await store.finish(next?.id as string, 'host-a', completedOutcome(now + 4));
    await store.pruneFinished(now + 5);
    expect(count('task_environments')).toBe(0);
    expect(count('environments')).toBe(0);
  });
});
