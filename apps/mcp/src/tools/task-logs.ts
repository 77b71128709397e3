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

/** A line of output and the log position of its first byte. */
interface Line {
  readonly text: string;
  readonly offset: number;
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
  const all = toLines(slice.records, !transcript);
  let kept = all.slice(-lines);
  let truncated: string | undefined;
  // The oldest lines go first when the text is too long: `before` reaches them on the next call.
  while (kept.length > 1 && textBytes(kept) > MAX_TEXT) kept = kept.slice(1);
  const only = kept[0];
  if (kept.length === 1 && only !== undefined && Buffer.byteLength(only.text) > MAX_TEXT) {
    const bytes = Buffer.from(only.text);
    const skip = bytes.length - MAX_TEXT;
    kept = [
      {
        text: bytes
          .subarray(skip)
          .toString('utf8')
          .replace(/^\uFFFD+/, ''),
        offset: transcript ? only.offset : only.offset + skip,
      },
    ];
    truncated = 'a line longer than 16 KB was cut to its end';
  }
  const firstKept = kept[0];
  let startOffset = slice.startOffset;
  if (firstKept !== undefined && (kept.length < all.length || truncated !== undefined)) {
    startOffset = firstKept.offset;
    const dropped = all[all.length - kept.length - 1];
    // A transcript cut inside one event's lines: start after that event, so paging back shows it
    // whole rather than losing its beginning (unless it is all there is to show).
    if (transcript && dropped?.offset === firstKept.offset) {
      const later = kept.find((line) => line.offset > firstKept.offset);
      if (later !== undefined) startOffset = later.offset;
      else truncated ??= 'the beginning of a long transcript message was left out (raw=true shows it)';
    }
  }
  return page({ ...slice, startOffset }, kept, truncated);
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
    slice = more;
  }
  let shown = records;
  if (transcript) {
    const renderer = createClaudeTranscriptRenderer();
    shown = [...renderer.push(records), ...(slice.atEnd ? renderer.flush() : [])];
  }
  const all = toLines(shown, !transcript);
  let kept = all.slice(0, lines);
  while (kept.length > 1 && textBytes(kept) > MAX_TEXT) kept = kept.slice(0, -1);
  let nextOffset = slice.nextOffset;
  let truncated: string | undefined;
  const first = kept[0];
  if (kept.length === 1 && first !== undefined && Buffer.byteLength(first.text) > MAX_TEXT) {
    const bytes = Buffer.from(first.text).subarray(0, MAX_TEXT);
    kept = [{ text: bytes.toString('utf8').replace(/\uFFFD+$/, ''), offset: first.offset }];
    truncated = 'a line longer than 16 KB was cut';
    if (!transcript) nextOffset = first.offset + bytes.length;
  }
  const lastShown = kept[kept.length - 1];
  const notShown = all[kept.length];
  if (notShown !== undefined && (transcript || truncated === undefined)) {
    // Go on at the first line not shown. Transcript lines carry the position of the stream-json
    // line they come from: when the cut falls inside one event's lines, the rest of that event is
    // skipped rather than shown again, so paging always moves on.
    const next = transcript && lastShown !== undefined ? all.slice(kept.length).find((line) => line.offset > lastShown.offset) : notShown;
    if (next !== notShown) truncated ??= 'the rest of a long transcript message was left out (raw=true shows it)';
    nextOffset = next?.offset ?? slice.nextOffset;
  }
  const atEnd = slice.atEnd && nextOffset >= slice.nextOffset;
  return page({ ...slice, startOffset: offset, nextOffset, atEnd, ...(damage.length > 0 ? { damage } : {}) }, kept, truncated);
}

function page(slice: OutputSlice, lines: readonly Line[], truncated: string | undefined): Page {
  const text = lines.map((line) => line.text).join('\n');
  return { slice, text, lineCount: lines.length, ...(truncated === undefined ? {} : { truncated }) };
}

// The lines of some records, each with the log position of its first byte (`exact`), or of the
// record it comes from (a transcript, whose text is not the log's). A line continued across
// records keeps the position where it began.
function toLines(records: readonly OutputRecord[], exact = true): Line[] {
  const lines: Line[] = [];
  let current: { text: string; offset: number } | undefined;
  for (const record of records) {
    let index = 0;
    let position = record.offset;
    for (;;) {
      const newline = record.text.indexOf('\n', index);
      const piece = record.text.slice(index, newline === -1 ? undefined : newline);
      current = current === undefined ? { text: piece, offset: position } : { text: current.text + piece, offset: current.offset };
      if (newline === -1) break;
      lines.push(current);
      current = undefined;
      if (exact) position += Buffer.byteLength(record.text.slice(index, newline + 1));
      index = newline + 1;
    }
    if (current?.text === '') current = undefined;
  }
  if (current !== undefined && current.text !== '') lines.push(current);
  return lines;
}

function textBytes(lines: readonly Line[]): number {
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line.text) + 1, 0) - 1;
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

function endsWithNewline(records: readonly OutputRecord[]): boolean {
  const last = records.filter((record) => record.stream === 'stdout').at(-1);
  return last === undefined || last.text.endsWith('\n');
}
