import type { OutputRecord, OutputSlice, OutputStream, Task } from '@claudine/core';
import { type Claudine, createClaudeTranscriptRenderer, formatBytes, tailClaudeTranscript } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { guard, toolResult } from '../tool-result.js';

// Agents' context is precious: one answer is bounded in lines and in bytes.
const MAX_TEXT = 16 * 1024;
// Raw output read at most for one forward page of a transcript (stream-json lines can be long).
const MAX_RAW_WINDOW = 4 * 1024 * 1024;

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
  status: z.string(),
  text: z.string().describe('The output lines.'),
  lineCount: z.number(),
  startOffset: z.number().describe('Log position where this text starts: pass it as `before` for earlier output.'),
  nextOffset: z.number().describe('Log position after this text: pass it as `offset` for what follows.'),
  earlierOutput: z.boolean().describe('True when output before startOffset exists.'),
  laterOutput: z.boolean().describe('True when output after nextOffset exists now.'),
  truncated: z.boolean().describe('True when this text was cut to fit the limits (see the message for how to read the rest).'),
  problems: z.array(z.string()).describe('Missing or damaged parts of the log, and truncated or deleted output.'),
};

/** Registers `TaskLogs`. */
export function registerTaskLogs(server: McpServer, claudine: Claudine): void {
  server.registerTool(
    'TaskLogs',
    {
      title: 'Task output',
      description:
        "Read a task's output: by default its last lines (for claude tasks, a readable transcript: its messages, tool calls and result). Use it to see progress of a running task or why one failed. Returns at most 500 lines and 16 KB; page back with `before`, or read forward from any position with `offset`.",
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
        const page =
          args.offset === undefined
            ? await tailPage(claudine, task, lines, streams, transcript, args.before)
            : await forwardPage(claudine, task, lines, streams, transcript, args.offset);
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
        };
        return toolResult(structured, describePage(task, structured, page.truncated));
      }),
  );
}

interface Page {
  readonly slice: OutputSlice;
  readonly text: string;
  readonly lineCount: number;
  /** How the text was cut, if it was. */
  readonly truncated?: string;
}

async function tailPage(
  claudine: Claudine,
  task: Task,
  lines: number,
  streams: OutputStream[],
  transcript: boolean,
  before: number | undefined,
): Promise<Page> {
  const options = { streams, ...(before === undefined ? {} : { before }) };
  const slice = transcript
    ? await tailClaudeTranscript(claudine.output, task.id, { lines, ...options })
    : await claudine.output.tail(task.id, lines, options);
  let rendered = splitLines(slice.records);
  let truncated: string | undefined;
  // The first lines go when there are too many: they are the ones `offset: startOffset` reads.
  if (rendered.length > lines) {
    truncated = `the first ${rendered.length - lines} lines of this part were left out; read them with offset=${slice.startOffset}`;
    rendered = rendered.slice(-lines);
  }
  let text = rendered.join('\n');
  if (Buffer.byteLength(text) > MAX_TEXT) {
    text = keepLastBytes(text, MAX_TEXT);
    truncated = `the text was cut to its last 16 KB; read the rest with offset=${slice.startOffset}`;
  }
  return { slice, text, lineCount: text === '' ? 0 : text.split('\n').length, ...(truncated === undefined ? {} : { truncated }) };
}

async function forwardPage(
  claudine: Claudine,
  task: Task,
  lines: number,
  streams: OutputStream[],
  transcript: boolean,
  offset: number,
): Promise<Page> {
  let slice = await claudine.output.read(task.id, { offset, streams, maxBytes: transcript ? 64 * 1024 : MAX_TEXT });
  const records: OutputRecord[] = [...slice.records];
  const damage = [...(slice.damage ?? [])];
  // A transcript renders whole stream-json lines: read on to the end of the last one.
  let window = 0;
  while (transcript && !slice.atEnd && !endsWithNewline(records) && window < MAX_RAW_WINDOW) {
    const more = await claudine.output.read(task.id, { offset: slice.nextOffset, streams, maxBytes: 256 * 1024 });
    records.push(...more.records);
    damage.push(...(more.damage ?? []));
    window += more.records.reduce((sum, record) => sum + record.text.length, 0);
    slice = { ...more, startOffset: offset };
  }
  slice = { ...slice, startOffset: offset, ...(damage.length > 0 ? { damage } : {}) };
  let shown = records;
  if (transcript) {
    const renderer = createClaudeTranscriptRenderer();
    shown = [...renderer.push(records), ...(slice.atEnd ? renderer.flush() : [])];
  }
  let rendered = splitLines(shown);
  let truncated: string | undefined;
  if (rendered.length > lines) {
    truncated = `${rendered.length - lines} more lines of this part were left out${transcript ? ' (raw=true shows them all)' : ''}`;
    rendered = rendered.slice(0, lines);
  }
  let text = rendered.join('\n');
  if (Buffer.byteLength(text) > MAX_TEXT) {
    text = Buffer.from(text)
      .subarray(0, MAX_TEXT)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    truncated = 'the text was cut to its first 16 KB';
  }
  return { slice, text, lineCount: text === '' ? 0 : text.split('\n').length, ...(truncated === undefined ? {} : { truncated }) };
}

async function outputProblems(claudine: Claudine, task: Task): Promise<string[]> {
  const info = await claudine.outputInfo(task.id);
  const problems: string[] = [];
  if (info?.deletedAt != null) {
    problems.push(`The output was deleted on ${new Date(info.deletedAt).toISOString()}, after the retention period (output.retention).`);
  }
  if (task.outputTruncated) {
    problems.push(
      `The output is incomplete: ${info === undefined ? 'some was dropped' : `${formatBytes(info.droppedBytes)} dropped`}${info?.truncatedReason == null ? '' : ` (${info.truncatedReason})`}.`,
    );
  }
  return problems;
}

function describePage(
  task: Task,
  page: {
    text: string;
    lineCount: number;
    startOffset: number;
    nextOffset: number;
    earlierOutput: boolean;
    laterOutput: boolean;
    problems: string[];
  },
  truncated: string | undefined,
): string {
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

function splitLines(records: readonly OutputRecord[]): string[] {
  const lines = records
    .map((record) => record.text)
    .join('')
    .split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function endsWithNewline(records: readonly OutputRecord[]): boolean {
  const last = records.filter((record) => record.stream === 'stdout').at(-1);
  return last === undefined || last.text.endsWith('\n');
}

function keepLastBytes(text: string, bytes: number): string {
  const buffer = Buffer.from(text);
  const kept = buffer.subarray(buffer.length - bytes).toString('utf8');
  // Start at a whole line (and never inside a character).
  const newline = kept.indexOf('\n');
  return newline === -1 ? kept.replace(/^\uFFFD+/, '') : kept.slice(newline + 1);
}
