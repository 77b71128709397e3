import type { NewTaskWorktree, TaskStore } from '@claudine/core';
import { completedOutcomeFixture } from '@claudine/task-fixtures';
import { describe, expect, it } from 'vitest';
import { contractHelpers, type TaskStoreContractSubject } from './contract-subject.js';

const worktree: NewTaskWorktree = {
  request: { repository: '/home/me/project', baseCommit: 'a'.repeat(40), branch: 'claudine/abcdefghjk', relativeCwd: 'packages/app' },
  path: '/data/worktrees/abcdefghjk',
  setup: 'pnpm install --frozen-lockfile',
  stackedOn: 'abcdefghjm',
};
const result = { headCommit: 'b'.repeat(40), filesChanged: 3, insertions: 10, deletions: 2 };
const merge = { target: 'main', strategy: 'squash' as const, commit: 'c'.repeat(40), mergedAt: 1_700_000_000_000 };

/** A task's worktree: the request kept as submitted, its result, its merge and its removal recorded. */
export function describeWorktrees<S extends TaskStore>(subject: TaskStoreContractSubject<S>): void {
  const { withStore, create, claim } = contractHelpers(subject);

  describe('worktrees', () => {
    it('keeps the request, path and setup of a worktree task, and none for a plain task', () =>
      withStore(async (store) => {
        const plain = await create(store);
        const isolated = await create(store, { worktree });
        expect(plain.worktree).toBeNull();
        expect(isolated.worktree).toEqual({ ...worktree, result: null, merge: null, removedAt: null });
        expect((await store.get(isolated.id))?.worktree).toEqual(isolated.worktree);
      }));

    it('records the result of each run, whatever the state, and a merge and a removal after it ended', () =>
      withStore(async (store) => {
        const created = await create(store, { worktree });
        const running = await claim(store, 'host-a');
        expect(running?.id).toBe(created.id);
        const first = await store.recordWorktreeResult(created.id, result, Date.now());
        expect(first?.worktree?.result).toEqual(result);
        await store.finish(created.id, 'host-a', completedOutcomeFixture());
        const later = { ...result, headCommit: 'd'.repeat(40), filesChanged: 4 };
        expect((await store.recordWorktreeResult(created.id, later, Date.now()))?.worktree?.result).toEqual(later);
        const rebased = await store.recordWorktreeBase(created.id, 'e'.repeat(40), Date.now());
        expect(rebased?.worktree?.request).toEqual({ ...worktree.request, baseCommit: 'e'.repeat(40) });
        const merged = await store.recordWorktreeMerge(created.id, merge, Date.now());
        expect(merged?.worktree).toMatchObject({ result: later, merge, removedAt: null });
        expect((await store.recordWorktreeRemoved(created.id, 1234, Date.now()))?.worktree?.removedAt).toBe(1234);
        expect((await store.recordWorktreeRemoved(created.id, null, Date.now()))?.worktree?.removedAt).toBeNull();
        expect((await store.get(created.id))?.status).toBe('completed');
      }));

    it('records nothing for a task without a worktree or an unknown one', () =>
      withStore(async (store) => {
        const plain = await create(store);
        expect(await store.recordWorktreeResult(plain.id, result, Date.now())).toBeUndefined();
        expect(await store.recordWorktreeMerge(plain.id, merge, Date.now())).toBeUndefined();
        expect(await store.recordWorktreeRemoved('zzzzzzzzzz', 1, Date.now())).toBeUndefined();
        expect(await store.recordWorktreeBase(plain.id, 'e'.repeat(40), Date.now())).toBeUndefined();
        expect((await store.get(plain.id))?.worktree).toBeNull();
      }));

    it('lists only the tasks with a worktree when asked, in the usual order and pages', () =>
      withStore(async (store) => {
        const ids: string[] = [];
        for (let index = 0; index < 5; index += 1) {
          await create(store);
          ids.push((await create(store, { worktree: { ...worktree, path: `/data/worktrees/${index}` } })).id);
        }
        const first = await store.list({ worktree: true, limit: 3 });
        expect(first.tasks.map((task) => task.id)).toEqual(ids.slice(2).reverse());
        const second = await store.list({ worktree: true, limit: 3, ...(first.nextCursor === null ? {} : { cursor: first.nextCursor }) });
        expect(second.tasks.map((task) => task.id)).toEqual(ids.slice(0, 2).reverse());
        expect(second.nextCursor).toBeNull();
        expect((await store.list({})).tasks).toHaveLength(10);
      }));
  });
}
