import { TASK_STATUSES } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { READS_TASKS, registerGuardedTool } from '../register-tool.js';
import { taskLogLink } from '../task-log-resource.js';
import { describeTask, summarizeTask, TaskSummarySchema } from '../task-summary.js';
import { toolResult } from '../tool-result.js';

// In a list, each final answer is cut short: asking for one task gives it at length.
const LIST_RESULT_LIMIT = 300;

const inputSchema = {
  taskId: z.string().optional().describe('A task id. Omit it to list recent tasks.'),
  status: z.array(z.enum(TASK_STATUSES)).optional().describe('When listing: only tasks in these states.'),
  limit: z.number().int().min(1).max(100).optional().describe('When listing: most tasks to return (default 20).'),
  includePrompt: z
    .boolean()
    .optional()
    .describe(
      "With a taskId: also return the whole prompt the task's agent received (with its dependencies' results, when passDependencyResults added them).",
    ),
};

const outputSchema = {
  tasks: z.array(TaskSummarySchema).describe('The task asked for, or recent tasks, newest first.'),
  prompt: z.string().optional().describe('With includePrompt: the whole prompt the agent received.'),
};

/** Registers `TaskStatus`. */
export function registerTaskStatus(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'TaskStatus',
    {
      title: 'Task status',
      description:
        "Show one task in full: its state (blocked tasks with what they wait for), timing, attempt, failure reason, and once finished the agent's final answer (up to 4000 characters), session id, turns and cost. Use it to check that delegated work is done, and to read its result, before relying on it. Without a taskId it lists the 20 most recent tasks with answers cut short; ListTasks filters and pages through all of them more compactly.",
      inputSchema,
      outputSchema,
      annotations: READS_TASKS,
    },
    async (args) => {
      if (args.taskId !== undefined) {
        const task = await claudine.get(args.taskId);
        const hostGone = (await claudine.orphanedIds([task])).has(task.id);
        const result = task.report?.resultText;
        const text = `${describeTask(task, hostGone)}${result === null || result === undefined ? '' : `\nResult: ${result.slice(0, 2000)}${result.length > 2000 ? '… (the structured result has up to 4000 characters; TaskLogs has the whole transcript)' : ''}`}`;
        if (args.includePrompt === true) {
          const prompt = await claudine.receivedPrompt(task.id);
          return toolResult({ tasks: [summarizeTask(task, { hostGone })], prompt }, `${text}\nPrompt received:\n${prompt}`, [
            taskLogLink(task),
          ]);
        }
        return toolResult({ tasks: [summarizeTask(task, { hostGone })] }, text, [taskLogLink(task)]);
      }
      const page = await claudine.list({ limit: args.limit ?? 20, ...(args.status === undefined ? {} : { statuses: args.status }) });
      const orphaned = await claudine.orphanedIds(page.tasks);
      const text =
        page.tasks.length === 0 ? 'No tasks match.' : page.tasks.map((task) => describeTask(task, orphaned.has(task.id))).join('\n');
      return toolResult(
        { tasks: page.tasks.map((task) => summarizeTask(task, { resultLimit: LIST_RESULT_LIMIT, hostGone: orphaned.has(task.id) })) },
        text,
      );
    },
  );
}
