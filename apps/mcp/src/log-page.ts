import type { OutputRecord, OutputSlice, OutputStream, Task } from '@claudine/core';
import { type Claudine, createClaudeTranscriptRenderer, formatBytes, tailClaudeTranscript } from '@claudine/runtime';

// Raw output read at most for one forward page of a transcript (stream-json lines can be long).
const MAX_RAW_WINDOW = 4 * 1024 * 1024;

/** What part of a task's output to read, and how much of it at most. */
export interface LogPageRequest {
  readonly lines: number;
  readonly maxBytes: number;
  readonly streams: OutputStream[];
  /** Claude tasks: render the stream-json as a readable transcript. */
  readonly transcript: boolean;
  /** Read forward from this log position. */
  readonly offset?: number;
  /** Without `offset`: the last lines before this log position (default: the end). */
  readonly before?: number;
}

/** The streams of a `stream` argument: `stdout`, `stderr`, or everything (with Claudine's notes). */
export function outputStreams(stream: 'all' | 'stdout' | 'stderr' | undefined): OutputStream[] {
  return stream === 'stdout' ? ['stdout'] : stream === 'stderr' ? ['stderr'] : ['stdout', 'stderr', 'system'];
}

/**
 * Reads one page of a task's output: the last lines (before a position), or the lines from a
 * position on, never more than `lines` lines nor `maxBytes` bytes of text. Positions in the page
 * let the caller page on without gaps or repeats.
 */
export function readLogPage(claudine: Claudine, task: Task, request: LogPageRequest): Promise<LogPage> {
  const { lines, streams, transcript, maxBytes } = request;
  return request.offset === undefined
    ? tailPage(claudine, task, lines, streams, transcript, request.before, maxBytes)
    : forwardPage(claudine, task, lines, streams, transcript, request.offset, maxBytes);
}

/** One page of a task's output, cut to the limits asked for. */
export interface LogPage {
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
  maxBytes: number,
): Promise<LogPage> {
  const options = { streams, ...(before === undefined ? {} : { before }) };
  const slice = transcript
    ? await tailClaudeTranscript(claudine.output, task.id, { lines, ...options })
    : await claudine.output.tail(task.id, lines, options);
  const all = toLines(slice.records, !transcript);
  let kept = all.slice(-lines);
  let truncated: string | undefined;
  // The oldest lines go first when the text is too long: `before` reaches them on the next call.
  while (kept.length > 1 && textBytes(kept) > maxBytes) kept = kept.slice(1);
  const only = kept[0];
  if (kept.length === 1 && only !== undefined && Buffer.byteLength(only.text) > maxBytes) {
    const bytes = Buffer.from(only.text);
    const skip = bytes.length - maxBytes;
    kept = [
      {
        text: bytes
          .subarray(skip)
          .toString('utf8')
          .replace(/^\uFFFD+/, ''),
        offset: transcript ? only.offset : only.offset + skip,
      },
    ];
    truncated = `a line longer than ${formatBytes(maxBytes)} was cut to its end`;
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
  maxBytes: number,
): Promise<LogPage> {
  let slice = await claudine.output.read(task.id, { offset, streams, maxBytes: transcript ? Math.max(64 * 1024, maxBytes) : maxBytes });
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
  while (kept.length > 1 && textBytes(kept) > maxBytes) kept = kept.slice(0, -1);
  let nextOffset = slice.nextOffset;
  let truncated: string | undefined;
  const first = kept[0];
  if (kept.length === 1 && first !== undefined && Buffer.byteLength(first.text) > maxBytes) {
    const bytes = Buffer.from(first.text).subarray(0, maxBytes);
    kept = [{ text: bytes.toString('utf8').replace(/\uFFFD+$/, ''), offset: first.offset }];
    truncated = `a line longer than ${formatBytes(maxBytes)} was cut`;
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

function page(slice: OutputSlice, lines: readonly Line[], truncated: string | undefined): LogPage {
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

/** Missing, deleted or truncated output of a task, each as a sentence. */
export async function outputProblems(claudine: Claudine, task: Task): Promise<string[]> {
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

function endsWithNewline(records: readonly OutputRecord[]): boolean {
  const last = records.filter((record) => record.stream === 'stdout').at(-1);
  return last === undefined || last.text.endsWith('\n');
}
