import { SystemSnapshotSchema, TaskMetricsSchema } from '@claudine/core';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { useMcpSession } from './mcp-session.test-helper.js';

const mcp = useMcpSession({ settings: { CLAUDINE_HOST_IDLE_EXIT: '5s', CLAUDINE_METRICS_SNAPSHOT_INTERVAL: '200ms' } });
const call = mcp.call;

const TaskMetricsResult = z.object({ taskId: z.string(), status: z.string(), attempts: z.array(TaskMetricsSchema) });
const SystemMetricsResult = z.object({
  snapshot: SystemSnapshotSchema,
  running: z.array(TaskMetricsSchema),
  budget: z.object({ dailyUsd: z.number().nullable(), spentTodayUsd: z.number(), exhausted: z.boolean() }),
  history: z.array(SystemSnapshotSchema),
});

describe('metrics tools over MCP', () => {
  it("returns a claude task's tokens, cost and resource figures, and the system with its history", async () => {
    const delegated = await call('DelegateTask', { prompt: 'Measure me [[fake: say hi; cost 0.123; succeed ok]]', maxBudgetUsd: 1 });
    const { taskId } = delegated.structuredContent as { taskId: string };
    const metrics = await waitFor(
      async () => {
        const result = await call('TaskMetrics', { taskId });
        const parsed = TaskMetricsResult.parse(result.structuredContent);
        return parsed.attempts[0]?.live === false ? { parsed, text: result.content } : undefined;
      },
      { description: 'final metrics', timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(metrics.parsed.attempts[0]).toMatchObject({ taskId, agent: 'claude', costUsd: 0.123, turns: 2, model: 'claude-fake-1' });
    expect(metrics.parsed.attempts[0]?.processesSeen).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(metrics.text)).toContain('$0.1230');
    const system = await waitFor(
      async () => {
        const result = await call('SystemMetrics', { historyMinutes: 5 });
        const parsed = SystemMetricsResult.parse(result.structuredContent);
        return parsed.history.some((snapshot) => snapshot.completed === 1) ? parsed : undefined;
      },
      { description: 'a snapshot after the task', timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(system.snapshot).toMatchObject({ completed: 1, running: 0, costTodayUsd: 0.123 });
    expect(system.budget).toMatchObject({ dailyUsd: null, spentTodayUsd: 0.123, exhausted: false });
    const unknown = await call('TaskMetrics', { taskId: 'aaaaaaaaaa' });
    expect(unknown.isError).toBe(true);
  });
});
