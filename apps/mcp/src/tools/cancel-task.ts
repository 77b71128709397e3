import { TASK_STATUSES } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { registerGuardedTool } from '../register-tool.js';
import { toolResult } from '../tool-result.js';

const inputSchema = {
  taskId: z.string().describe('The task id.'),
  reason: z.string().max(1000).optional().describe('Why, recorded on the task.'),
};

const outputSchema = {
  taskId: z.string(),
  outcome: z
    .enum(['cancelled', 'requested'])
    .describe('"cancelled": it was queued and will never run; "requested": it is running and is being stopped.'),
  status: z.enum(TASK_STATUSES),
  hostGone: z.boolean().describe("True when the running task's host had died: a new host was started to carry the cancel out."),
};

/** Registers `CancelTask`. */
export function registerCancelTask(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'CancelTask',
    {
      title: 'Cancel a task',
      description:
        "Cancel a queued task (it never starts) or stop a running one (its whole process tree is terminated; work it did so far stays). A cancel is durable: if the task's host died, a new host is started and records it cancelled; it never runs again. Tasks that depend on it follow their dependency policy (by default they fail too, as dependency_failed). Finished tasks cannot be cancelled. Returns whether it was cancelled at once or is being stopped.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const outcome = await claudine.cancel(args.taskId, args.reason);
      const text =
        outcome.kind === 'cancelled'
          ? `Task ${args.taskId} was queued and is now cancelled.`
          : outcome.hostError !== null
            ? `Task ${args.taskId} is running but its host died, and no new host could be started (${outcome.hostError}). The cancel is recorded: the next host stops the task and records it cancelled.`
            : outcome.hostGone
              ? `Task ${args.taskId} was running but its host died; a new host stops what is left of it and records it cancelled. TaskStatus will show it cancelled shortly.`
              : `Task ${args.taskId} is running; its host is stopping it. TaskStatus will show it cancelled shortly.`;
      return toolResult({ taskId: args.taskId, outcome: outcome.kind, status: outcome.task.status, hostGone: outcome.hostGone }, text);
    },
  );
}
