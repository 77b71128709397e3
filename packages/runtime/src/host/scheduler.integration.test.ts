import { join } from 'node:path';
import { type Clock, createScheduler, type ProcessRunner, type RunResult, type Scheduler, type Task, type TaskStore } from '@claudine/core';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { newTaskFixture } from '@claudine/task-fixtures';
import { useTempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const clock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};

const temp = useTempDir();
let store: SqliteTaskStore;

beforeEach(() => {
  store = SqliteTaskStore.open({ path: join(temp.path, 'claudine.db') });
});

afterEach(() => store.close());

// A scheduler of one slot on `taskStore`, owned by 'host-test', with the real clock unless given.
function testScheduler(taskStore: TaskStore, runner: ProcessRunner, schedulerClock: Clock = clock): Scheduler {
  return createScheduler({
    store: taskStore,
    runner,
    clock: schedulerClock,
    random: () => 0.5,
    owner: 'host-test',
    concurrency: 1,
    leaseMs: 30_000,
    retryBackoff: { baseDelayMs: 1000, maxDelayMs: 10_000 },
  });
}

async function createTask(prompt: string): Promise<Task> {
  const created = await store.create(newTaskFixture({ prompt, cwd: temp.path }));
  if (!created.ok) throw new Error(created.error.message);
  return created.value;
}

// The store, with its claims wrapped by `claimNext` (which calls the real one when it likes).
function withClaims(claimNext: (request: Parameters<TaskStore['claimNext']>[0]) => ReturnType<TaskStore['claimNext']>): TaskStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'claimNext') return claimNext;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as TaskStore;
}

describe('scheduler stop', () => {
  it('hands back a task claimed while it was stopping, without starting it', async () => {
    const created = await createTask('echo never');
    // A store whose claims wait until the test lets them through, as a remote database might.
    let letClaimThrough: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      letClaimThrough = resolve;
    });
    let claimEntered: () => void = () => {};
    const claiming = new Promise<void>((resolve) => {
      claimEntered = resolve;
    });
    const slowStore = withClaims(async (request) => {
      claimEntered();
      await gate;
      return store.claimNext(request);
    });
    let starts = 0;
    const runner: ProcessRunner = {
      start() {
        starts += 1;
        throw new Error('a stopping scheduler must not start a task');
      },
    };
    const scheduler = testScheduler(slowStore, runner);
    scheduler.start();
    await claiming;
    const stopped = scheduler.stop();
    letClaimThrough();
    await stopped;
    expect(starts).toBe(0);
    const task = await store.get(created.id);
    expect(task).toMatchObject({ status: 'queued', owner: null, pid: null });
    expect(task?.statusDetail).toContain('handed back without being started');
    expect((await store.attempts(created.id)).map((attempt) => attempt.outcome)).toEqual(['requeued']);
    expect(scheduler.idle).toBe(true);
  });
});

describe('scheduler wake-ups', () => {
  it('starts a retry that fell due while the claim that missed it ran', async () => {
    const created = await createTask('echo again');
    const dueAt = Date.now() + 5000;
    // An earlier attempt failed transiently: the task waits for its retry time.
    await store.claimNext({ owner: 'earlier-host', maxRunning: 1, now: dueAt - 6000, leaseExpiresAt: dueAt });
    const requeued = await store.requeue(created.id, 'earlier-host', {
      notBefore: dueAt,
      statusDetail: 'attempt 1 failed; retry 1 of 1',
      exitCode: 1,
      signal: null,
      report: null,
      now: dueAt - 6000,
    });
    if (!requeued.ok) throw new Error(requeued.error.message);
    // The scheduler's time moves only here: its first claim, a millisecond before the retry is
    // due, takes that millisecond (a busy disk), so the retry is due once the claim returns.
    let now = dueAt - 1;
    const steppingClock: Clock = { now: () => now, setTimer: clock.setTimer };
    const slowStore = withClaims(async (request) => {
      const claimed = await store.claimNext(request);
      now = dueAt;
      return claimed;
    });
    const started: string[] = [];
    let end: (result: RunResult) => void = () => {};
    const runner: ProcessRunner = {
      start(task) {
        started.push(task.id);
        return {
          done: new Promise<RunResult>((resolve) => {
            end = resolve;
          }),
          terminate: () =>
            end({ exitCode: 0, signal: null, report: null, failure: null, transient: false, outputTruncated: false, termination: null }),
          processes: () => [],
        };
      },
    };
    const scheduler = testScheduler(slowStore, runner, steppingClock);
    scheduler.start();
    try {
      // Nothing else pokes this scheduler: only its own wake-up can start the retry.
      await waitFor(() => started.length > 0, { description: 'the retry to start', timeoutMs: 5000 });
      expect(started).toEqual([created.id]);
      expect(await store.get(created.id)).toMatchObject({ status: 'running', owner: 'host-test', attempt: 2 });
    } finally {
      await scheduler.stop();
    }
  });
});
