import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { summarizeTask, TaskSummarySchema } from '../task-summary.js';
import { guard, toolResult } from '../tool-result.js';

const inputSchema = {
  taskId: z.string().describe('A failed or cancelled task.'),
};

const outputSchema = {
  taskId: z.string(),
  status: z.string(),
  task: TaskSummarySchema,
};

/** Registers `RetryTask`. */
export function registerRetryTask(server: McpServer, claudine: Claudine): void {
  server.registerTool(
    'RetryTask',
    {
      title: 'Retry a task',
      description:
        'Run a failed or cancelled task again. The tasks that failed or were cancelled only because it did (their reason is dependency_failed) are queued again with it, so retrying the root of a failed workflow runs the rest of it. Refused while one of its own dependencies is still failed: retry that one instead.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (args) =>
      guard(async () => {
        const task = await claudine.retry(args.taskId);
        return toolResult(
          { taskId: task.id, status: task.status, task: summarizeTask(task) },
          `Task ${task.id} is queued again, with the tasks that had failed because of it. Check it with TaskStatus {"taskId": "${task.id}"}.`,
        );
      }),
  );
}
