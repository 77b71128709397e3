import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { registerGuardedTool } from '../register-tool.js';
import { describeTask, summarizeTask, TaskSummarySchema } from '../task-summary.js';
import { toolResult } from '../tool-result.js';

const inputSchema = {
  taskId: z.string().describe('The queued task whose dependencies change.'),
  add: z.array(z.string()).max(1000).optional().describe('Ids of tasks it must also wait for.'),
  remove: z.array(z.string()).max(1000).optional().describe('Ids of tasks it should no longer wait for.'),
};

const outputSchema = {
  task: TaskSummarySchema,
};

/** Registers `UpdateDependencies`. */
export function registerUpdateDependencies(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'UpdateDependencies',
    {
      title: 'Change what a task waits for',
      description:
        "Add or remove dependencies of a task that has not started yet (it is queued), in one all-or-nothing change. A dependency that would close a cycle is refused and the cycle named; unknown ids are refused. Adding a dependency that already failed applies the task's policy at once.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const task = await claudine.updateDependencies(args.taskId, {
        ...(args.add === undefined ? {} : { add: args.add }),
        ...(args.remove === undefined ? {} : { remove: args.remove }),
      });
      const depends = task.dependsOn.length === 0 ? 'It depends on nothing.' : `It depends on ${task.dependsOn.join(', ')}.`;
      return toolResult({ task: summarizeTask(task) }, `${describeTask(task)}\n${depends}`);
    },
  );
}
