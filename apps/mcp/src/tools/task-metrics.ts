import { TASK_STATUSES, TaskMetricsSchema } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { READS_TASKS, registerGuardedTool } from '../register-tool.js';
import { toolResult } from '../tool-result.js';

const inputSchema = {
  taskId: z.string().describe('The task id.'),
};

const outputSchema = {
  taskId: z.string(),
  status: z.enum(TASK_STATUSES),
  attempts: z
    .array(TaskMetricsSchema)
    .describe(
      'Each attempt, oldest first: CPU ms, memory bytes, I/O, processes over the whole process tree, and tokens, cost, turns, model.',
    ),
};

/** Registers `TaskMetrics`. */
export function registerTaskMetrics(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'TaskMetrics',
    {
      title: 'Task metrics',
      description:
        "What a task consumed, per attempt: CPU time, peak and average memory, I/O, processes (over its whole process tree, live while it runs), and what its agent reported (tokens, cost in USD, turns, model). Use it to find what made a task slow or expensive. Figures that could not be measured are null and listed in 'missing'.",
      inputSchema,
      outputSchema,
      annotations: READS_TASKS,
    },
    async (args) => {
      const task = await claudine.get(args.taskId);
      const attempts = await claudine.metrics.task(task.id);
      const latest = attempts[attempts.length - 1];
      const text =
        latest === undefined
          ? `Task ${task.id} is ${task.status} and has no metrics yet (it has not started).`
          : `Task ${task.id} (${task.status}), attempt ${latest.attempt}${latest.live ? ', live' : ''}: ${summary(latest)}`;
      return toolResult({ taskId: task.id, status: task.status, attempts }, text);
    },
  );
}

function summary(metrics: z.infer<typeof TaskMetricsSchema>): string {
  const parts = [`${Math.round(metrics.wallMs / 100) / 10} s wall`];
  if (metrics.cpuUserMs !== null && metrics.cpuSystemMs !== null)
    parts.push(`${Math.round((metrics.cpuUserMs + metrics.cpuSystemMs) / 100) / 10} s CPU`);
  if (metrics.memoryPeakBytes !== null) parts.push(`${Math.round(metrics.memoryPeakBytes / 1024 ** 2)} MiB peak memory`);
  if (metrics.processesPeak !== null) parts.push(`${metrics.processesPeak} processes at most`);
  if (metrics.costUsd !== null) parts.push(`$${metrics.costUsd.toFixed(4)}`);
  if (metrics.inputTokens !== null) parts.push(`${metrics.inputTokens} input / ${metrics.outputTokens ?? 0} output tokens`);
  return `${parts.join(', ')}.`;
}
