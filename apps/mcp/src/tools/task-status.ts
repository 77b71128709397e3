import { TASK_STATUSES } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { describeTask, summarizeTask, TaskSummarySchema } from '../task-summary.js';
import { guard, toolResult } from '../tool-result.js';

const inputSchema = {
  taskId: z.string().optional().describe('A task id. Omit it to list recent tasks.'),
  status: z.array(z.enum(TASK_STATUSES)).optional().describe('When listing: only tasks in these states.'),
  limit: z.number().int().min(1).max(100).optional().describe('When listing: most tasks to return (default 20).'),
};

const outputSchema = {
  tasks: z.array(TaskSummarySchema).describe('The task asked for, or recent tasks, newest first.'),
};

/** Registers `TaskStatus`. */
export function registerTaskStatus(server: McpServer, claudine: Claudine): void {
  server.registerTool(
    'TaskStatus',
    {
      title: 'Task status',
      description:
        "Show one task's state (with its final result, cost and session id once finished), or list recent tasks. Use it to check whether delegated work is done before relying on it.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guard(async () => {
        if (args.taskId !== undefined) {
          const task = await claudine.get(args.taskId);
          const result = task.report?.resultText;
          const text = `${describeTask(task)}${result === null || result === undefined ? '' : `\nResult: ${result.slice(0, 2000)}`}`;
          return toolResult({ tasks: [summarizeTask(task)] }, text);
        }
        const page = await claudine.list({ limit: args.limit ?? 20, ...(args.status === undefined ? {} : { statuses: args.status }) });
        const text = page.tasks.length === 0 ? 'No tasks match.' : page.tasks.map(describeTask).join('\n');
        return toolResult({ tasks: page.tasks.map((task) => summarizeTask(task)) }, text);
      }),
  );
}
