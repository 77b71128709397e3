import { PRIORITIES, priorityRank, type Task, type TaskStore } from '@claudine/core';
import { completedOutcomeFixture, newTaskFixture } from '@claudine/task-fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contractHelpers, type TaskStoreContractSubject } from './contract-subject.js';

/** The claim order every store keeps: higher priority first, then first submitted first. */
function claimOrder(left: Task, right: Task): number {
  return priorityRank(left.priority) - priorityRank(right.priority) || left.seq - right.seq;
}

/** Tasks from submission to their end: create, list, claim, finish, requeue, cancel. */
export function describeTaskLifecycle<S extends TaskStore>(subject: TaskStoreContractSubject<S>): void {
  const { withStore, create, claim } = contractHelpers(subject);

  describe('task lifecycle', () => {
    it('claims by priority, then first in first out', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...PRIORITIES), { minLength: 1, maxLength: 30 }), (priorities) =>
          withStore(async (store) => {
            const created: Task[] = [];
            for (const priority of priorities) created.push(await create(store, { priority }));
            const claimed: string[] = [];
            for (let task = await claim(store); task !== undefined; task = await claim(store)) claimed.push(task.id);
            expect(claimed).toEqual([...created].sort(claimOrder).map((task) => task.id));
          }),
        ),
        { numRuns: 20 },
      );
    });

    it('never runs more than the global cap, whoever claims', () =>
      withStore(async (store) => {
        for (let index = 0; index < 5; index += 1) await create(store);
        expect(await claim(store, 'host-a', 2)).toBeDefined();
        expect(await claim(store, 'host-b', 2)).toBeDefined();
        expect(await claim(store, 'host-a', 2)).toBeUndefined();
        expect(await claim(store, 'host-b', 2)).toBeUndefined();
        expect((await store.countByStatus()).running).toBe(2);
      }));

    it('lets only the owner finish a running task, and only once', () =>
      withStore(async (store) => {
        await create(store);
        const task = await claim(store, 'host-a');
        expect(task?.status).toBe('running');
        if (task === undefined) return;
        const stolen = await store.finish(task.id, 'host-b', completedOutcomeFixture());
        expect(stolen).toMatchObject({ ok: false, error: { kind: 'not_owner' } });
        const finished = await store.finish(task.id, 'host-a', completedOutcomeFixture());
        expect(finished.ok && finished.value.status).toBe('completed');
        const again = await store.finish(task.id, 'host-a', completedOutcomeFixture());
        expect(again).toMatchObject({ ok: false, error: { kind: 'illegal_transition' } });
      }));

    it('cancels a queued task so that it is never claimed, and flags a running one for its owner', () =>
      withStore(async (store) => {
        const first = await create(store, { priority: 'P0' });
        const second = await create(store, { priority: 'P2' });
        const cancelled = await store.requestCancel(first.id, 'not needed', Date.now());
        expect(cancelled.ok && cancelled.value.kind).toBe('cancelled');
        const running = await claim(store);
        expect(running?.id).toBe(second.id);
        const requested = await store.requestCancel(second.id, null, Date.now());
        expect(requested.ok && requested.value.kind).toBe('requested');
        expect((await store.cancelRequests('host-a')).map((task) => task.id)).toEqual([second.id]);
        expect(await store.cancelRequests('host-b')).toEqual([]);
        expect((await store.requestCancel(first.id, null, Date.now())).ok).toBe(false);
      }));

    it('retries a requeued task only after its backoff', () =>
      withStore(async (store) => {
        await create(store);
        const task = await claim(store);
        if (task === undefined) throw new Error('nothing claimed');
        const now = Date.now();
        const requeued = await store.requeue(task.id, 'host-a', {
          notBefore: now + 60_000,
          statusDetail: 'rate limited',
          exitCode: 1,
          signal: null,
          report: null,
          now,
        });
        expect(requeued.ok && requeued.value.status).toBe('queued');
        expect(await claim(store)).toBeUndefined();
        expect(await store.nextNotBefore(now)).toBe(now + 60_000);
        const later = await store.claimNext({ owner: 'host-a', maxRunning: 10, now: now + 60_001, leaseExpiresAt: now + 90_000 });
        expect(later?.attempt).toBe(2);
      }));

    it('pages through tasks newest first', () =>
      withStore(async (store) => {
        const ids: string[] = [];
        for (let index = 0; index < 7; index += 1) ids.push((await create(store)).id);
        const first = await store.list({ limit: 3 });
        expect(first.tasks.map((task) => task.id)).toEqual(ids.slice(-3).reverse());
        const second = await store.list({ limit: 3, cursor: first.nextCursor ?? 0 });
        expect(second.tasks.map((task) => task.id)).toEqual(ids.slice(1, 4).reverse());
        const third = await store.list({ limit: 3, cursor: second.nextCursor ?? 0 });
        expect(third.tasks.map((task) => task.id)).toEqual([ids[0]]);
        expect(third.nextCursor).toBeNull();
      }));

    it('lists the tasks that carry every label asked for', () =>
      withStore(async (store) => {
        const created = await store.createMany([
          newTaskFixture({ labels: ['a'] }),
          newTaskFixture({ labels: ['a', 'b'] }),
          newTaskFixture({ labels: ['b', 'a', 'c'] }),
          newTaskFixture({ labels: ['b', 'b'] }),
        ]);
        if (!created.ok) throw new Error(created.error.message);
        const [onlyA, ab, abc, twiceB] = created.value.map((task) => task.id);
        const ids = async (labels: string[]) => (await store.list({ labels })).tasks.map((task) => task.id);
        expect(await ids(['a'])).toEqual([abc, ab, onlyA]);
        expect(await ids(['a', 'b'])).toEqual([abc, ab]);
        expect(await ids(['b', 'a', 'b'])).toEqual([abc, ab]);
        expect(await ids(['b'])).toEqual([twiceB, abc, ab]);
        expect(await ids(['a', 'b', 'c'])).toEqual([abc]);
        expect(await ids(['c', 'd'])).toEqual([]);
        expect(await ids([])).toHaveLength(4);
      }));

    it('creates a batch in one transaction: all or none, dependencies on earlier tasks of the batch allowed', () =>
      withStore(async (store) => {
        const first = newTaskFixture();
        const second = newTaskFixture({ dependsOn: [first.id] });
        const created = await store.createMany([first, second]);
        expect(created.ok && created.value.map((task) => [task.id, task.blockedBy])).toEqual([
          [first.id, []],
          [second.id, [first.id]],
        ]);
        const later = newTaskFixture();
        const refused = await store.createMany([newTaskFixture(), newTaskFixture({ dependsOn: [later.id] }), later]);
        expect(refused).toMatchObject({ ok: false, error: { kind: 'unknown_dependency', ids: [later.id] } });
        const duplicate = await store.createMany([newTaskFixture(), newTaskFixture({ id: first.id })]);
        expect(duplicate).toMatchObject({ ok: false, error: { kind: 'duplicate_id', id: first.id } });
        expect((await store.list()).tasks).toHaveLength(2);
      }));

    it('refuses unknown dependencies and writes nothing', () =>
      withStore(async (store) => {
        const result = await store.create(newTaskFixture({ dependsOn: ['aaaaaaaaaa'] }));
        expect(result).toMatchObject({ ok: false, error: { kind: 'unknown_dependency', ids: ['aaaaaaaaaa'] } });
        if (!result.ok) expect(result.error.message).toContain('aaaaaaaaaa');
        expect((await store.list()).tasks).toEqual([]);
      }));
  });
}
