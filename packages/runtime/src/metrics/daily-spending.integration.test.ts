import type { TaskMetrics } from '@claudine/core';
import { SqliteMetricsStore } from '@claudine/store-sqlite';
import { taskMetricsFixture } from '@claudine/task-fixtures';
import { describe, expect, it } from 'vitest';
import { useHostFixture } from '../host/host-fixture.test-helper.js';
import { startOfDay } from './budget.js';
import { readDailySpending } from './daily-spending.js';

const fixture = useHostFixture();

function attempt(taskId: string, attemptNumber: number, finishedAt: number, costUsd: number): TaskMetrics {
  return taskMetricsFixture({
    taskId,
    attempt: attemptNumber,
    agent: 'claude',
    startedAt: finishedAt - 1000,
    updatedAt: finishedAt,
    finishedAt,
    costUsd,
    samples: 1,
  });
}

describe('readDailySpending', () => {
  it('sums what attempts cost by the local day they finished on, oldest day first', async () => {
    const claudine = fixture.client();
    const { task } = await claudine.submit({ prompt: 'spend', agent: 'command', cwd: fixture.workdir });
    const now = new Date(2026, 5, 10, 15, 0).getTime();
    const today = startOfDay(now);
    const yesterday = startOfDay(today - 1);
    const store = SqliteMetricsStore.open({ path: claudine.layout.database, busyTimeoutMs: 1000 });
    await store.saveTaskMetrics([
      attempt(task.id, 1, yesterday + 60_000, 0.5),
      attempt(task.id, 2, today - 1, 0.25),
      attempt(task.id, 3, today, 1),
      attempt(task.id, 4, now - 1000, 2),
      // Four days ago: outside a three-day window.
      attempt(task.id, 5, today - 4 * 86_400_000, 9),
    ]);
    store.close();
    const spending = await readDailySpending(claudine, 3, now);
    expect(spending.map((entry) => entry.day)).toEqual([startOfDay(yesterday - 1), yesterday, today]);
    expect(spending.map((entry) => entry.costUsd)).toEqual([0, 0.75, 3]);
  });
});
