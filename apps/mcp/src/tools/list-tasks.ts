import { AGENT_KINDS, TASK_ORDERS, TASK_STATUSES } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { READS_TASKS, registerGuardedTool } from '../register-tool.js';
import { TaskRowSchema, taskRow } from '../task-summary.js';
import { toolResult } from '../tool-result.js';

const inputSchema = {
  status: z
    .array(z.enum([...TASK_STATUSES, 'blocked']))
    .max(6)
    .optional()
    .describe('Only tasks in these states ("blocked": queued and waiting for dependencies). Default: all.'),
  agent: z.enum(AGENT_KINDS).optional().describe('Only tasks of this agent.'),
  label: z
    .union([z.string().max(100), z.array(z.string().max(100)).max(20)])
    .optional()
    .describe('Only tasks with this label; a list: only tasks with every one of them.'),
  createdAfter: z
    .string()
    .max(100)
    .refine((value) => !Number.isNaN(Date.parse(value)), 'give an ISO 8601 time such as 2025-06-01T09:00:00Z')
    .optional()
    .describe('Only tasks created at or after this ISO 8601 time.'),
  order: z
    .enum(TASK_ORDERS)
    .optional()
    .describe(
      'Order of all matching tasks before paging: created (newest first, the default), priority (P0 first), status (running first), duration (longest first).',
    ),
  limit: z.number().int().min(1).max(200).optional().describe('Most tasks to return (default 30).'),
  cursor: z.number().int().min(0).optional().describe('The nextCursor of the previous page (same filters and order), to continue.'),
};

const outputSchema = {
  tasks: z.array(TaskRowSchema).describe('Newest first, unless another order was asked for.'),
  nextCursor: z.number().nullable().describe('Pass as cursor for the next page (same filters and order); null on the last page.'),
};

/** Registers `ListTasks`. */
export function registerListTasks(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'ListTasks',
    {
      title: 'List tasks',
      description:
        'List tasks, newest first, one compact row each (id, state, agent, priority, the start of the prompt, labels, times, failure reason, cost), filtered by state, agent, labels or creation time, in any order (newest first by default), a page at a time. Use it to find a task (yours, or one started from the CLI or another session) or to see what is queued, running or failed; then TaskStatus for one task in full.',
      inputSchema,
      outputSchema,
      annotations: READS_TASKS,
    },
    async (args) => {
      const wanted = args.status === undefined ? undefined : new Set<string>(args.status);
      const statuses =
        wanted === undefined
          ? undefined
          : TASK_STATUSES.filter((status) => wanted.has(status) || (status === 'queued' && wanted.has('blocked')));
      const page = await claudine.list({
        limit: args.limit ?? 30,
        ...(statuses === undefined ? {} : { statuses }),
        ...(args.agent === undefined ? {} : { agent: args.agent }),
        ...(args.label === undefined ? {} : { labels: typeof args.label === 'string' ? [args.label] : args.label }),
        ...(args.createdAfter === undefined ? {} : { createdAfter: Date.parse(args.createdAfter) }),
        ...(args.order === undefined ? {} : { order: args.order }),
        ...(args.cursor === undefined ? {} : { cursor: args.cursor }),
      });
      const orphaned = await claudine.orphanedIds(page.tasks);
      let rows = page.tasks.map((task) => taskRow(task, orphaned.has(task.id)));
      // "blocked" alone lists the queued tasks still waiting for dependencies; "queued" lists all queued ones.
      if (wanted !== undefined && !wanted.has('queued')) rows = rows.filter((row) => row.state !== 'queued');
      const lines = rows.map(
        (row) =>
          `- ${row.id} ${row.state}${row.hostGone ? ' (no host: one is recovering it)' : ''} [${row.agent}, ${row.priority}]${row.failureReason === null ? '' : ` (${row.failureReason})`}: ${row.title}`,
      );
      const more = page.nextCursor === null ? '' : `\nMore: call ListTasks with cursor=${page.nextCursor}.`;
      const text = rows.length === 0 ? `No tasks match.${more}` : `${rows.length} tasks:\n${lines.join('\n')}${more}`;
      return toolResult({ tasks: rows, nextCursor: page.nextCursor }, text);
    },
  );
}
