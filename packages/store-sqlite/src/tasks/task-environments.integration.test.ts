import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { completedOutcome, newTask } from '../tasks.test-helper.js';
import { useTestStore } from '../test-store.test-helper.js';

const fixture = useTestStore();

function count(table: string): number {
  const db = new Database(fixture.path, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('task environments', () => {
  it('are stored with the task, shared between tasks that have the same, and never part of a task', async () => {
    const mine = { GITHUB_TOKEN: 'ghp_mine', PATH: '/usr/bin' };
    const batch = await fixture.store.createMany([newTask({ environment: mine }), newTask({ environment: mine })]);
    if (!batch.ok) throw new Error(batch.error.message);
    // The same variables in another order, from another client: still one stored copy.
    const same = await fixture.store.create(newTask({ environment: { PATH: '/usr/bin', GITHUB_TOKEN: 'ghp_mine' } }));
    const other = await fixture.store.create(newTask({ environment: { GITHUB_TOKEN: 'ghp_other' } }));
    const none = await fixture.store.create(newTask());
    if (!same.ok || !other.ok || !none.ok) throw new Error('not created');
    for (const task of batch.value) expect(fixture.store.taskEnvironment(task.id)).toEqual(mine);
    expect(fixture.store.taskEnvironment(other.value.id)).toEqual({ GITHUB_TOKEN: 'ghp_other' });
    expect(fixture.store.taskEnvironment(none.value.id)).toBeUndefined();
    expect(count('environments')).toBe(2);
    expect(JSON.stringify(await fixture.store.list())).not.toContain('ghp_');
    expect(JSON.stringify(await fixture.store.get(other.value.id))).not.toContain('ghp_');
  });

  it('go with their tasks when those are pruned, the shared copy with the last of them', async () => {
    const shared = { SECRET: 'one' };
    const first = await fixture.store.create(newTask({ environment: shared }));
    const second = await fixture.store.create(newTask({ environment: shared }));
    if (!first.ok || !second.ok) throw new Error('not created');
    const now = Date.now();
    const claimed = await fixture.store.claimNext({ owner: 'host-a', maxRunning: 10, now, leaseExpiresAt: now + 30_000 });
    await fixture.store.finish(claimed?.id as string, 'host-a', completedOutcome(now + 1));
    expect(await fixture.store.pruneFinished(now + 2)).toEqual([claimed?.id]);
    expect(count('task_environments')).toBe(1);
    expect(count('environments')).toBe(1);
    const rest = claimed?.id === first.value.id ? second.value.id : first.value.id;
    expect(fixture.store.taskEnvironment(rest)).toEqual(shared);
    const next = await fixture.store.claimNext({ owner: 'host-a', maxRunning: 10, now: now + 3, leaseExpiresAt: now + 30_000 });
    await fixture.store.finish(next?.id as string, 'host-a', completedOutcome(now + 4));
    await fixture.store.pruneFinished(now + 5);
    expect(count('task_environments')).toBe(0);
    expect(count('environments')).toBe(0);
  });
});
