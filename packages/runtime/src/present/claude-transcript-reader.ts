import type { OutputRecord, OutputSlice, OutputStore, OutputStream } from '@claudine/core';
import { renderClaudeTranscriptLine } from './claude-transcript.js';

/**
 * Turns output records of a claude task into its readable transcript as they come: stdout lines
 * of stream-json are rendered (assistant text, tool calls summarised, the result), stderr and
 * Claudine's notes pass unchanged. A stdout line is rendered once it is complete; what it renders
 * to is one record whose `offset` is where the line starts in the log.
 */
export interface TranscriptRenderer {
  /** The transcript of `records`. */
  push(records: readonly OutputRecord[]): OutputRecord[];
  /** Renders what is left of an unfinished last stdout line (at the end of the output). */
  flush(): OutputRecord[];
}

/** Creates a {@link TranscriptRenderer}. */
export function createClaudeTranscriptRenderer(): TranscriptRenderer {
  let partial = '';
  let partialOffset = 0;
  let partialTime = 0;
  const render = (line: string, offset: number, time: number): OutputRecord[] => {
    const rendered = renderClaudeTranscriptLine(line);
    return rendered.length === 0 ? [] : [{ stream: 'stdout', time, text: `${rendered.join('\n')}\n`, offset }];
  };
  return {
    push(records) {
      const out: OutputRecord[] = [];
      for (const record of records) {
        if (record.stream !== 'stdout') {
          out.push(record);
          continue;
        }
        const text = record.text;
        let position = record.offset;
        let index = 0;
        for (;;) {
          const newline = text.indexOf('\n', index);
          if (newline === -1) {
            const rest = text.slice(index);
            if (rest !== '') {
              if (partial === '') partialOffset = position;
              partial += rest;
              partialTime = record.time;
            }
            break;
          }
          const lineOffset = partial === '' ? position : partialOffset;
          const line = partial + text.slice(index, newline);
          partial = '';
          out.push(...render(line, lineOffset, record.time));
          position += Buffer.byteLength(text.slice(index, newline + 1));
          index = newline + 1;
        }
      }
      return out;
    },
    flush() {
      const rest = partial;
      partial = '';
      return rest === '' ? [] : render(rest, partialOffset, partialTime);
    },
  };
}

/** Options for {@link tailClaudeTranscript}. */
export interface TranscriptTailOptions {
  /** Transcript lines wanted (at least this many are returned when the output has them). */
  readonly lines: number;
  readonly streams?: readonly OutputStream[];
  /** End the tail here (a previous slice's `startOffset`, to page back). */
  readonly before?: number;
}

// Raw lines read at most to fill a transcript tail: stream-json events that render to nothing
// (system, hooks) are skipped, but not forever.
const MAX_RAW_LINES = 50_000;

/**
 * The last lines of a claude task's transcript. Raw lines and transcript lines differ in number
 * (an event may render to several lines or to none), so it reads back until the transcript has
 * `lines` lines; `startOffset` is exact, so `before: startOffset` continues without a gap. An
 * unfinished last stream-json line is left out (it is rendered once it is complete).
 */
export async function tailClaudeTranscript(store: OutputStore, taskId: string, options: TranscriptTailOptions): Promise<OutputSlice> {
  const tailOptions = {
    ...(options.streams === undefined ? {} : { streams: options.streams }),
    ...(options.before === undefined ? {} : { before: options.before }),
  };
  if (options.lines <= 0) return { ...(await store.tail(taskId, 0, tailOptions)), records: [] };
  let rawLines = Math.max(options.lines * 4, 16);
  for (;;) {
    const slice = await store.tail(taskId, rawLines, tailOptions);
    const needed = rawLinesFor(slice.records, options.lines);
    if (needed !== undefined || slice.startOffset === 0 || rawLines >= MAX_RAW_LINES) {
      // Read again exactly as far back as needed, so the slice's startOffset is exact.
      const exact = needed === undefined || needed >= rawLines ? slice : await store.tail(taskId, needed, tailOptions);
      const renderer = createClaudeTranscriptRenderer();
      const records = renderer.push(exact.records);
      return { ...exact, records };
    }
    rawLines *= 4;
  }
}

// How many raw lines from the end render to at least `wanted` transcript lines; undefined when
// these records are not enough.
function rawLinesFor(records: readonly OutputRecord[], wanted: number): number | undefined {
  const lines: Array<{ stream: OutputStream; text: string }> = [];
  const partial: Partial<Record<OutputStream, number>> = {};
  for (const record of records) {
    const parts = record.text.split('\n');
    const open = partial[record.stream];
    if (open !== undefined) {
      const line = lines[open] as { stream: OutputStream; text: string };
      lines[open] = { stream: line.stream, text: line.text + parts.shift() };
      delete partial[record.stream];
    }
    const last = parts.pop() ?? '';
    for (const text of parts) lines.push({ stream: record.stream, text });
    if (last !== '') {
      partial[record.stream] = lines.length;
      lines.push({ stream: record.stream, text: last });
    }
  }
  let rendered = 0;
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index] as { stream: OutputStream; text: string };
    rendered += line.stream === 'stdout' ? renderClaudeTranscriptLine(line.text).length : 1;
    if (rendered >= wanted) return lines.length - index;
  }
  return undefined;
}
