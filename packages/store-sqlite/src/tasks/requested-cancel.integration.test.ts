import { describe, expect, it } from 'vitest';
import { newTask } from '../tasks.test-helper.js';
import { useTestStore } from '../test-store.test-helper.js';

const fixture = useTestStore();

describe('a cancel requested while a task runs', () => {
  it('is never undone by a requeue: the task is recorded cancelled, with its dependents following', async () => {
    const created = await fixture.store.create(newTask({ maxRetries: 3 }));
    if (!created.ok) throw new Error(created.error.message);
    const dependent = await fixture.store.create(newTask({ dependsOn: [created.value.id], dependencyPolicy: 'cancel' }));
    if (!dependent.ok) throw new Error(dependent.error.message);
    const now = Date.now();
    const task = await fixture.store.claimNext({ owner: 'host-a', maxRunning: 10, now, leaseExpiresAt: now + 30_000 });
    expect(task?.id).toBe(created.value.id);
    const requested = await fixture.store.requestCancel(created.value.id, 'wrong branch', now + 1);
    expect(requested.ok && requested.value.kind).toBe('requested');

    // A transient failure (or a crash found by recovery) would put it back in the queue.
    const requeued = await fixture.store.requeue(created.value.id, 'host-a', {
      notBefore: now + 2,
      statusDetail: 'rate limited; retry 1 of 3',
      exitCode: 1,
      signal: null,
      report: null,
      now: now + 2,
    });
    expect(requeued.ok && requeued.value).toMatchObject({
      status: 'cancelled',
      failureReason: 'cancelled',
      statusDetail: 'wrong branch',
      attempt: 1,
      finishedAt: now + 2,
    });
    expect(await fixture.store.attempts(created.value.id)).toMatchObject([{ attempt: 1, outcome: 'cancelled' }]);
    expect((await fixture.store.get(dependent.value.id))?.status).toBe('cancelled');
    expect(await fixture.store.claimNext({ owner: 'host-a', maxRunning: 10, now: now + 3, leaseExpiresAt: now + 30_000 })).toBeUndefined();
  });
});
