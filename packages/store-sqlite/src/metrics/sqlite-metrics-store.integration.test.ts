import type { SystemSnapshot, Task, TaskMetrics } from '@claudine/core';
import { taskMetricsFixture } from '@claudine/task-fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completedOutcome, newTask } from '../tasks.test-helper.js';
import { useTestStore } from '../test-store.test-helper.js';
import { SqliteMetricsStore } from './sqlite-metrics-store.js';

const fixture = useTestStore();
let metrics: SqliteMetricsStore;

beforeEach(() => {
  metrics = SqliteMetricsStore.open({ path: fixture.path });
});

afterEach(() => metrics.close());

function metricsOf(task: Task, overrides: Partial<TaskMetrics> = {}): TaskMetrics {
  return taskMetricsFixture({
    taskId: task.id,
    attempt: Math.max(1, task.attempt),
    agent: task.agent,
    live: true,
    startedAt: 1000,
    updatedAt: 2000,
    finishedAt: null,
    wallMs: 1000,
    cpuUserMs: 120.5,
    cpuSystemMs: 30,
    memoryCurrentBytes: 1024,
    memoryPeakBytes: 4096,
    memoryAverageBytes: 2048,
    readBytes: 10,
    writeBytes: 20,
    readOps: 1,
    writeOps: 2,
    diskReadBytes: 0,
    diskWriteBytes: 4096,
    processesCurrent: 2,
    processesPeak: 3,
    processesSeen: 4,
    samples: 3,
    method: 'cgroup+proc',
    missing: [{ figure: 'io', reason: 'a reason' }],
    ...overrides,
  });
}

function snapshotAt(at: number, overrides: Partial<SystemSnapshot> = {}): SystemSnapshot {
  return {
    at,
    running: 1,
    queued: 2,
    blocked: 0,
    completed: 3,
    failed: 0,
    cancelled: 0,
    finishedLastHour: 3,
    durationAverageMs: 1500,
    durationP95Ms: 2000,
    machineCpuPercent: 12.5,
    machineCpuCores: 2,
    machineMemoryUsedBytes: 100,
    machineMemoryTotalBytes: 200,
    hostCpuPercent: 0.5,
    hostMemoryBytes: 50,
    costTodayUsd: 0.25,
    missing: [],
    ...overrides,
  };
}

async function createdTask(overrides: Parameters<typeof newTask>[0] = {}): Promise<Task> {
  const created = await fixture.store.create(newTask(overrides));
  if (!created.ok) throw new Error(created.error.message);
  return created.value;
}

async function claimed(): Promise<Task> {
  const now = Date.now();
  const task = await fixture.store.claimNext({ owner: 'host-a', maxRunning: 10, now, leaseExpiresAt: now + 30_000 });
  if (task === undefined) throw new Error('nothing to claim');
  return task;
}

describe('SqliteMetricsStore', () => {
  it('keeps live figures while a task runs and the final ones after, never overwritten by a late sample', async () => {
    await createdTask();
    const task = await claimed();
    await metrics.saveTaskMetrics([metricsOf(task)]);
    expect(await metrics.runningTaskMetrics()).toEqual([metricsOf(task)]);
    const final = metricsOf(task, { live: false, finishedAt: 3000, cpuUserMs: 400, costUsd: 0.5, model: 'sonnet' });
    await metrics.saveTaskMetrics([final]);
    await metrics.saveTaskMetrics([metricsOf(task, { cpuUserMs: 999 })]);
    expect(await metrics.taskMetrics(task.id)).toEqual([final]);
    await fixture.store.finish(task.id, 'host-a', completedOutcome());
    expect(await metrics.runningTaskMetrics()).toEqual([]);
    // A live row left by a host that died reads as the last sample, not as running.
    const orphan = await createdTask();
    const crashed = await claimed();
    expect(crashed.id).toBe(orphan.id);
    await metrics.saveTaskMetrics([metricsOf(crashed)]);
    expect((await metrics.taskMetrics(crashed.id))[0]?.live).toBe(true);
    await fixture.store.finish(crashed.id, 'host-a', { ...completedOutcome(), status: 'failed', failureReason: 'crashed' });
    expect((await metrics.taskMetrics(crashed.id))[0]).toMatchObject({ live: false, finishedAt: null });
    expect(await metrics.taskMetrics('0000000000')).toEqual([]);
  });

  it('sums spending since a time and per task, over every attempt', async () => {
    const first = await createdTask();
    const second = await createdTask();
    await metrics.saveTaskMetrics([
      metricsOf(first, { attempt: 1, live: false, finishedAt: 1_000, costUsd: 1 }),
      metricsOf(first, { attempt: 2, live: false, finishedAt: 5_000, costUsd: 0.25 }),
      metricsOf(second, { attempt: 1, live: false, finishedAt: 6_000, costUsd: 2 }),
      metricsOf(second, { attempt: 2, live: true, costUsd: null }),
    ]);
    expect(await metrics.costSince(5_000)).toBe(2.25);
    expect(await metrics.costSince(0)).toBe(3.25);
    expect(await metrics.taskCost(first.id)).toBe(1.25);
  });

  it('counts tasks by state, blocked ones apart, with the durations of recent ones', async () => {
    const dependency = await createdTask();
    await createdTask({ dependsOn: [dependency.id] });
    const running = await claimed();
    expect(running.id).toBe(dependency.id);
    const statistics = await metrics.taskStatistics(0);
    expect(statistics).toMatchObject({ running: 1, queued: 1, blocked: 1, completed: 0 });
    await fixture.store.finish(running.id, 'host-a', completedOutcome((running.startedAt ?? 0) + 1500));
    const after = await metrics.taskStatistics(0);
    expect(after).toMatchObject({ running: 0, queued: 1, blocked: 0, completed: 1, recentDurationsMs: [1500] });
  });

  it('keeps snapshots as history, queryable by time range, and prunes them', async () => {
    for (let minute = 0; minute < 10; minute += 1) await metrics.saveSnapshot(snapshotAt(minute * 60_000, { queued: minute }));
    const range = await metrics.snapshots({ since: 2 * 60_000, until: 5 * 60_000 });
    expect(range.map((snapshot) => snapshot.queued)).toEqual([2, 3, 4, 5]);
    expect(range[0]).toEqual(snapshotAt(2 * 60_000, { queued: 2 }));
    const newest = await metrics.snapshots({ since: 0, until: Number.MAX_SAFE_INTEGER, limit: 3 });
    expect(newest.map((snapshot) => snapshot.queued)).toEqual([7, 8, 9]);
    expect(await metrics.pruneSnapshots(6 * 60_000)).toBe(6);
    expect((await metrics.snapshots({ since: 0, until: Number.MAX_SAFE_INTEGER })).map((snapshot) => snapshot.queued)).toEqual([
      6, 7, 8, 9,
    ]);
  });
});

describe('claims under a daily budget', () => {
  it('leaves claude tasks queued once the budget is spent, and still claims the others', async () => {
    const spent = await createdTask({ agent: 'claude' });
    await metrics.saveTaskMetrics([metricsOf(spent, { live: false, finishedAt: 10_000, costUsd: 5 })]);
    const claude = await createdTask({ agent: 'claude', priority: 'P0' });
    const command = await createdTask({ agent: 'command', priority: 'P2' });
    const now = Date.now();
    const request = { owner: 'host-a', maxRunning: 10, now, leaseExpiresAt: now + 30_000 };
    const budget = { agents: ['claude'] as const, since: 10_000, maxCostUsd: 5 };
    // The spent task itself is still queued in this test: skip it and the other claude task.
    expect((await fixture.store.claimNext({ ...request, budget }))?.id).toBe(command.id);
    expect(await fixture.store.claimNext({ ...request, budget })).toBeUndefined();
    // Spending before `since` (yesterday) does not count; a higher budget lets claude run.
    expect((await fixture.store.claimNext({ ...request, budget: { ...budget, since: 10_001 } }))?.id).toBe(claude.id);
    expect((await fixture.store.claimNext({ ...request, budget: { ...budget, maxCostUsd: 6 } }))?.id).toBe(spent.id);
  });
});
