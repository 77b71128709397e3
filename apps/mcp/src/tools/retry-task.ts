import { TASK_STATUSES, type Task } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { registerGuardedTool, STARTS_AGENTS } from '../register-tool.js';
import { summarizeTask, TaskSummarySchema } from '../task-summary.js';
import { toolResult } from '../tool-result.js';

const inputSchema = {
  taskId: z.string().describe('A failed or cancelled task.'),
  prompt: z
    .string()
    .optional()
    .describe(
      "New instructions that replace the task's prompt for this run and later ones: what it should do differently, written as a complete brief (TaskStatus with includePrompt shows the old one). Omit it to run the same prompt again.",
    ),
};

const outputSchema = {
  taskId: z.string(),
  status: z.enum(TASK_STATUSES),
  task: TaskSummarySchema,
};

/** Registers `RetryTask`; `onSubmitted` hears of the queued task (to notify the session when it ends). */
export function registerRetryTask(server: McpServer, claudine: Claudine, onSubmitted: (task: Task) => void): void {
  registerGuardedTool(
    server,
    'RetryTask',
    {
      title: 'Retry a task',
      description:
        "Run a failed or cancelled task again, with the same prompt or with new instructions (prompt). The tasks that failed or were cancelled only because it did (their reason is dependency_failed) are queued again with it, so retrying the root of a failed workflow runs the rest of it. Refused while one of its own dependencies is still failed: retry that one instead. Returns the task, queued again. To continue a claude task's conversation instead of starting over, use ResumeTask.",
      inputSchema,
      outputSchema,
      annotations: STARTS_AGENTS,
    },
    async (args) => {
      const task = await claudine.retry(args.taskId, args.prompt === undefined ? {} : { prompt: args.prompt });
      onSubmitted(task);
      return toolResult(
        { taskId: task.id, status: task.status, task: summarizeTask(task) },
        `Task ${task.id} is queued again, with the tasks that had failed because of it. Check it with TaskStatus {"taskId": "${task.id}"}.`,
      );
    },
  );
}
