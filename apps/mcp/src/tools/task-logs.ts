import { TASK_STATUSES, type Task } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { outputProblems, outputStreams, readLogPage } from '../log-page.js';
import { READS_TASKS, registerGuardedTool } from '../register-tool.js';
import { taskLogLink, taskLogUri } from '../task-log-resource.js';
import { toolResult } from '../tool-result.js';

// Agents' context is precious: one answer is bounded in lines and in bytes.
const MAX_TEXT = 16 * 1024;

const inputSchema = {
  taskId: z.string().describe('The task id.'),
  lines: z.number().int().min(1).max(500).optional().describe('Most lines to return (default 50).'),
  stream: z.enum(['all', 'stdout', 'stderr']).optional().describe('Which output (default all).'),
  raw: z.boolean().optional().describe('Claude tasks: return raw stream-json instead of a readable transcript.'),
  offset: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Read forward from this log position (a nextOffset from an earlier call) instead of returning the last lines.'),
  before: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Return the last lines before this log position (a startOffset from an earlier call), to page back.'),
};

const outputSchema = {
  taskId: z.string(),
  status: z.enum(TASK_STATUSES),
  text: z.string().describe('The output lines.'),
  lineCount: z.number(),
  startOffset: z.number().describe('Log position where this text starts: pass it as `before` for earlier output.'),
  nextOffset: z.number().describe('Log position after this text: pass it as `offset` for what follows.'),
  earlierOutput: z.boolean().describe('True when output before startOffset exists.'),
  laterOutput: z.boolean().describe('True when output after nextOffset exists now.'),
  truncated: z.boolean().describe('True when this text was cut to fit the limits (see the message for how to read the rest).'),
  problems: z.array(z.string()).describe('Missing or damaged parts of the log, and truncated or deleted output.'),
  resourceUri: z.string().describe('The whole log as an MCP resource (readable, subscribable).'),
};

/** What TaskLogs answers: a page of a task's log and where the rest is. */
export type TaskLogsAnswer = z.infer<z.ZodObject<typeof outputSchema>>;

/** Registers `TaskLogs`. */
export function registerTaskLogs(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'TaskLogs',
    {
      title: 'Task output',
      description:
        "Read a task's output: by default its last 50 lines (for claude tasks, a readable transcript of its messages, tool calls and result). Use it to follow a running task or to see why one failed; TaskStatus already has a finished agent's final answer. Returns at most 500 lines and 16 KB, with log positions to page back (`before`) or read on (`offset`), and a link to the whole log as the resource claudine://tasks/{id}/log.",
      inputSchema,
      outputSchema,
      annotations: READS_TASKS,
    },
    async (args) => {
      const task = await claudine.get(args.taskId);
      const page = await readLogPage(claudine, task, {
        lines: args.lines ?? 50,
        maxBytes: MAX_TEXT,
        streams: outputStreams(args.stream),
        transcript: task.agent === 'claude' && args.raw !== true,
        ...(args.offset === undefined ? {} : { offset: args.offset }),
        ...(args.before === undefined ? {} : { before: args.before }),
      });
      const problems = [...(page.slice.damage ?? []).map((damage) => damage.message), ...(await outputProblems(claudine, task))];
      const structured = {
        taskId: task.id,
        status: task.status,
        text: page.text,
        lineCount: page.lineCount,
        startOffset: page.slice.startOffset,
        nextOffset: page.slice.nextOffset,
        earlierOutput: page.slice.startOffset > 0,
        laterOutput: !page.slice.atEnd,
        truncated: page.truncated !== undefined,
        problems,
        resourceUri: taskLogUri(task.id),
      };
      return toolResult(structured, describePage(task, structured, page.truncated), [taskLogLink(task)]);
    },
  );
}

function describePage(task: Task, page: TaskLogsAnswer, truncated: string | undefined): string {
  const parts = [`Task ${task.id} is ${task.status}.`];
  parts.push(
    page.text === '' ? 'No output here.' : `${page.lineCount} lines (log positions ${page.startOffset}-${page.nextOffset}):\n${page.text}`,
  );
  const more: string[] = [];
  if (truncated !== undefined) more.push(`Note: ${truncated}.`);
  if (page.earlierOutput) more.push(`Earlier output: call TaskLogs with before=${page.startOffset}.`);
  if (page.laterOutput) more.push(`More output: call TaskLogs with offset=${page.nextOffset}.`);
  else if (task.status === 'running' || task.status === 'queued')
    more.push(`New output as it comes: call TaskLogs with offset=${page.nextOffset}.`);
  for (const problem of page.problems) more.push(`Problem: ${problem}`);
  return [...parts, ...more].join('\n');
}
