import { SystemSnapshotSchema, TaskMetricsSchema } from '@claudine/core';
import { type Claudine, DeliveryErrorSchema, readNotificationStatus } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { READS_TASKS, registerGuardedTool } from '../register-tool.js';
import { toolResult } from '../tool-result.js';

// A model's context is precious: long histories are thinned to this many evenly spaced points.
const MAX_HISTORY_POINTS = 30;

const inputSchema = {
  historyMinutes: z
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 31)
    .optional()
    .describe(
      'Include the snapshots of the last this many minutes (default 60; 0 for none). At most 30 points (about 400 bytes each), evenly spaced.',
    ),
};

const outputSchema = {
  snapshot: SystemSnapshotSchema.describe(
    'Now: task counts, finished in the last hour with average and p95 duration (ms), machine CPU (% of all cores) and memory, host CPU (% of one core) and memory, spending today (USD).',
  ),
  running: z.array(TaskMetricsSchema).describe('Live figures of the running tasks.'),
  budget: z.object({
    dailyUsd: z.number().nullable(),
    perTaskUsd: z.number().nullable(),
    spentTodayUsd: z.number(),
    exhausted: z.boolean().describe('True when the daily budget is spent: new claude tasks wait until midnight.'),
    resetsAt: z.string(),
  }),
  history: z.array(SystemSnapshotSchema).describe('Snapshots the host took, oldest first.'),
  notifications: z
    .object({
      delivered: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      dropped: z.number().int().nonnegative(),
      lastError: DeliveryErrorSchema.nullable(),
    })
    .nullable()
    .describe('How notifications went since the host started, and the last one that could not be delivered; null when none was ever sent.'),
  worktreesBytes: z.number().int().nonnegative().describe('Bytes the worktrees of tasks take on disk (pruned after worktree.retention).'),
};

/** Registers `SystemMetrics`. */
export function registerSystemMetrics(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'SystemMetrics',
    {
      title: 'System metrics',
      description:
        'How Claudine and the machine are doing: running, queued, blocked, completed and failed tasks, throughput and durations over the last hour, CPU and memory of the machine and of the host, spending against the budgets, the running tasks with their live figures, and the recent history. Use it before starting much work in parallel, or to see whether the daily budget is spent.',
      inputSchema,
      outputSchema,
      annotations: READS_TASKS,
    },
    async (args) => {
      const report = await claudine.metrics.system();
      const minutes = args.historyMinutes ?? 60;
      const now = report.snapshot.at;
      const history = minutes === 0 ? [] : thin(await claudine.metrics.history({ since: now - minutes * 60_000, until: now }));
      const { snapshot, budget } = report;
      const notified = readNotificationStatus(claudine.layout);
      const lastError = notified?.lastError ?? null;
      const worktreesBytes = await claudine.worktreesDiskUsage();
      const text = [
        `${snapshot.running} running, ${snapshot.queued} queued (${snapshot.blocked} blocked), ${snapshot.completed} completed, ${snapshot.failed} failed.`,
        `Last hour: ${snapshot.finishedLastHour} finished${snapshot.durationAverageMs === null ? '' : `, ${Math.round(snapshot.durationAverageMs / 1000)} s on average, ${Math.round((snapshot.durationP95Ms ?? 0) / 1000)} s at p95`}.`,
        `Machine: CPU ${snapshot.machineCpuPercent ?? '?'}% of ${snapshot.machineCpuCores} cores, ${Math.round((snapshot.machineMemoryUsedBytes ?? 0) / 1024 ** 2)} of ${Math.round((snapshot.machineMemoryTotalBytes ?? 0) / 1024 ** 2)} MiB memory used.`,
        ...(worktreesBytes === 0 ? [] : [`Task worktrees take ${Math.round(worktreesBytes / 1024 ** 2)} MiB on disk.`]),
        `Spent today: $${budget.spentTodayUsd.toFixed(4)}${budget.dailyUsd === null ? '' : ` of $${budget.dailyUsd}${budget.exhausted ? ' (spent: new claude tasks wait until midnight)' : ''}`}.`,
        ...(lastError === null
          ? []
          : [
              `Last notification error: ${lastError.channel} at ${new Date(lastError.at).toISOString()} (task ${lastError.taskId} ${lastError.event}): ${lastError.message}.`,
            ]),
      ].join('\n');
      return toolResult(
        {
          snapshot,
          running: [...report.running],
          budget: { ...budget, resetsAt: new Date(budget.resetsAt).toISOString() },
          history,
          notifications:
            notified === undefined
              ? null
              : { delivered: notified.delivered, failed: notified.failed, dropped: notified.dropped, lastError },
          worktreesBytes,
        },
        text,
      );
    },
  );
}

function thin<T>(items: readonly T[]): T[] {
  if (items.length <= MAX_HISTORY_POINTS) return [...items];
  const step = items.length / MAX_HISTORY_POINTS;
  return Array.from({ length: MAX_HISTORY_POINTS }, (_, index) => items[Math.floor(index * step)] as T);
}
