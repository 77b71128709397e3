import { join } from 'node:path';
import { type Clock, createScheduler, type ProcessRunner, type TaskStore } from '@claudine/core';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { newTaskFixture } from '@claudine/task-fixtures';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const clock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};

let temp: TempDir;
let store: SqliteTaskStore;

beforeEach(() => {
  temp = createTempDir();
  store = SqliteTaskStore.open({ path: join(temp.path, 'claudine.db') });
});

afterEach(() => {
  store.close();
  temp.remove();
});

describe('scheduler stop', () => {
  it('hands back a task claimed while it was stopping, without starting it', async () => {
    const created = await store.create(newTaskFixture({ prompt: 'echo never', cwd: temp.path }));
    if (!created.ok) throw new Error(created.error.message);
    // A store whose claims wait until the test lets them through, as a remote database might.
    let letClaimThrough: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      letClaimThrough = resolve;
    });
    let claimEntered: () => void = () => {};
    const claiming = new Promise<void>((resolve) => {
      claimEntered = resolve;
    });
    const slowStore = new Proxy(store, {
      get(target, property) {
        if (property === 'claimNext') {
          return async (request: Parameters<TaskStore['claimNext']>[0]) => {
            claimEntered();
            await gate;
            return target.claimNext(request);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as TaskStore;
    let starts = 0;
    const runner: ProcessRunner = {
      start() {
        starts += 1;
        throw new Error('a stopping scheduler must not start a task');
      },
    };
    const scheduler = createScheduler({
      store: slowStore,
      runner,
      clock,
      random: () => 0.5,
      owner: 'host-test',
      concurrency: 1,
      leaseMs: 30_000,
      retryBackoff: { baseDelayMs: 1000, maxDelayMs: 10_000 },
    });
    scheduler.start();
    await claiming;
    const stopped = scheduler.stop();
    letClaimThrough();
    await stopped;
    expect(starts).toBe(0);
    const task = await store.get(created.value.id);
    expect(task).toMatchObject({ status: 'queued', owner: null, pid: null });
    expect(task?.statusDetail).toContain('handed back without being started');
    expect((await store.attempts(created.value.id)).map((attempt) => attempt.outcome)).toEqual(['requeued']);
    expect(scheduler.idle).toBe(true);
  });
});
