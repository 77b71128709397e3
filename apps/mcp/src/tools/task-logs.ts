import type { OutputStream } from '@claudine/core';
import { type Claudine, renderClaudeTranscriptLine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { guard, toolResult } from '../tool-result.js';

// Agents' context is precious: a tail is bounded in lines and in bytes.
const MAX_TEXT = 16 * 1024;

const inputSchema = {
  taskId: z.string().describe('The task id.'),
  lines: z.number().int().min(1).max(500).optional().describe('How many of the last lines to return (default 50).'),
  stream: z.enum(['all', 'stdout', 'stderr']).optional().describe('Which output (default all).'),
  raw: z.boolean().optional().describe('Claude tasks: return raw stream-json instead of a readable transcript.'),
};

const outputSchema = {
  taskId: z.string(),
  status: z.string(),
  text: z.string().describe('The last lines of output.'),
  lineCount: z.number(),
  truncated: z.boolean().describe('True when older output exists that is not included.'),
};

/** Registers `TaskLogs`. */
export function registerTaskLogs(server: McpServer, claudine: Claudine): void {
  server.registerTool(
    'TaskLogs',
    {
      title: 'Task output',
      description:
        "Read the last lines of a task's output (for claude tasks, a readable transcript: its messages, tool calls and result). Use it to see progress of a running task or why one failed. Returns at most 500 lines and 16 KB.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guard(async () => {
        const task = await claudine.get(args.taskId);
        const lines = args.lines ?? 50;
        const streams: OutputStream[] =
          args.stream === 'stdout' ? ['stdout'] : args.stream === 'stderr' ? ['stderr'] : ['stdout', 'stderr', 'system'];
        const transcript = task.agent === 'claude' && args.raw !== true;
        // A transcript condenses many raw lines into few: read more raw lines to fill it.
        const slice = await claudine.output.tail(task.id, transcript ? lines * 4 : lines, streams);
        let rendered = slice.records
          .map((record) => record.text)
          .join('')
          .split('\n');
        if (rendered[rendered.length - 1] === '') rendered.pop();
        if (transcript) rendered = rendered.flatMap((line) => renderClaudeTranscriptLine(line));
        let truncated = slice.records.length > 0 && rendered.length > lines;
        rendered = rendered.slice(-lines);
        let text = rendered.join('\n');
        if (text.length > MAX_TEXT) {
          text = `…${text.slice(-MAX_TEXT)}`;
          truncated = true;
        }
        const header = `Task ${task.id} is ${task.status}.`;
        return toolResult(
          { taskId: task.id, status: task.status, text, lineCount: rendered.length, truncated },
          text === '' ? `${header} No output yet.` : `${header} Last ${rendered.length} lines:\n${text}`,
        );
      }),
  );
}
