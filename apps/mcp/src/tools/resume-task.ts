import { PRIORITIES, TASK_STATUSES, type Task } from '@claudine/core';
import { type Claudine, toNewTaskInput } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { registerGuardedTool, STARTS_AGENTS } from '../register-tool.js';
import { taskLogLink } from '../task-log-resource.js';
import { summarizeTask, TaskSummarySchema } from '../task-summary.js';
import { toolResult } from '../tool-result.js';
import { hostWarning } from './submission.js';

const inputSchema = {
  taskId: z.string().describe('The claude task whose conversation to continue (it must have run: it has a session).'),
  instructions: z
    .string()
    .describe('What the agent should do next, as a message in its own conversation: it remembers what it did and said.'),
  model: z.string().optional().describe("Another model for this turn (default: the task's own)."),
  maxTurns: z.number().int().positive().optional().describe('Most agent turns for this continuation.'),
  priority: z.enum(PRIORITIES).optional().describe("Default: the task's own."),
  timeoutSeconds: z.number().int().positive().optional().describe("Default: the task's own timeout."),
};

const outputSchema = {
  taskId: z.string().describe('The new task that continues the session.'),
  resumedFrom: z.string(),
  sessionId: z.string().nullable().describe('The Claude session it continues.'),
  status: z.enum(TASK_STATUSES),
  hostStarted: z.boolean(),
  task: TaskSummarySchema,
};

/** Registers `ResumeTask`; `onSubmitted` hears of the new task (to notify the session when it ends). */
export function registerResumeTask(server: McpServer, claudine: Claudine, onSubmitted: (task: Task) => void): void {
  registerGuardedTool(
    server,
    'ResumeTask',
    {
      title: 'Continue a claude task',
      description:
        "Continue a claude task's conversation with new instructions: a follow-up request, a correction, or answers to questions it asked. Runs as a new background task that resumes the same Claude session (so the agent keeps its context) in the same directory with the same settings; returns the new task's id at once. Only for claude tasks that have run; for others, DelegateTask a new task or RetryTask a failed one.",
      inputSchema,
      outputSchema,
      annotations: STARTS_AGENTS,
    },
    async (args) => {
      // The continuation's settings read as a submit request's; its directory is the task's own.
      const {
        prompt: _prompt,
        cwd: _cwd,
        ...overrides
      } = toNewTaskInput(
        {
          prompt: args.instructions,
          model: args.model,
          maxTurns: args.maxTurns,
          priority: args.priority,
          timeoutSeconds: args.timeoutSeconds,
        },
        { directory: '/' },
      );
      const { task, hostStarted, hostError } = await claudine.resume(args.taskId, args.instructions, overrides);
      onSubmitted(task);
      const warning = hostWarning(hostError);
      return toolResult(
        {
          taskId: task.id,
          resumedFrom: args.taskId,
          sessionId: task.agentOptions.resumeSessionId ?? null,
          status: task.status,
          hostStarted,
          task: summarizeTask(task),
        },
        `Task ${task.id} continues the session of ${args.taskId}; it is ${task.status}.${warning} Wait for it with WaitForTasks {"taskIds": ["${task.id}"]} or check it with TaskStatus.`,
        [taskLogLink(task)],
      );
    },
  );
}
