import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OutputRecord, Task } from '@claudine/core';
import { type Claudine, createClaudeTranscriptRenderer, tailClaudeTranscript } from '@claudine/runtime';
import type { LogEndEvent, LogLinesEvent } from './api-types.js';
import { openEventStream } from './event-stream.js';

/** Lines of the log a page gets first, before the live part. */
const TAIL_LINES = 500;
/**
 * Output the client has not taken yet after which it is cut off and told so (`skipped`): a task
 * flooding its log must not fill this server's memory, and a person cannot read that fast anyway.
 */
const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

/**
 * `GET /api/tasks/:id/log`: a task's log as server-sent events. First the last lines (a claude
 * task's stream-json rendered as the transcript `claudine logs` shows), then each new line as it
 * is written, until the task ends (`end`). Every event's id is a log position: a browser that
 * reconnects sends it back and continues exactly there. `?raw=1` skips the transcript rendering.
 */
export async function streamTaskLog(
  claudine: Claudine,
  task: Task,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const transcript = task.agent === 'claude' && url.searchParams.get('raw') !== '1';
  const resumeAt = position(request.headers['last-event-id']) ?? position(url.searchParams.get('offset') ?? undefined);
  const controller = new AbortController();
  const stream = openEventStream(response, { retryMs: 500, onClose: () => controller.abort() });
  const renderer = transcript ? createClaudeTranscriptRenderer() : undefined;
  // Where a reconnecting reader must start so that nothing is lost: the end of what was sent,
  // or, for a transcript, the start of a stream-json line the renderer still holds.
  let resume = resumeAt ?? 0;
  let pending: number | undefined;

  const send = (records: readonly OutputRecord[], raw: readonly OutputRecord[]): void => {
    for (const record of raw) {
      const end = record.offset + Buffer.byteLength(record.text);
      resume = Math.max(resume, end);
      if (record.stream !== 'stdout' || renderer === undefined) continue;
      const newline = record.text.lastIndexOf('\n');
      if (newline === record.text.length - 1) pending = undefined;
      else if (newline !== -1) pending = record.offset + Buffer.byteLength(record.text.slice(0, newline + 1));
      else pending ??= record.offset;
    }
    if (records.length === 0) return;
    const event: LogLinesEvent = { lines: records.map((record) => ({ stream: record.stream, text: record.text })), nextOffset: resume };
    stream.send('lines', event, String(pending ?? resume));
    if (stream.buffered > MAX_BUFFERED_BYTES) {
      stream.send('skipped', { reason: 'The task writes faster than the page can show: open the log again for its latest lines.' });
      stream.end();
      controller.abort();
    }
  };

  try {
    if (resumeAt === undefined) {
      const slice = transcript
        ? await tailClaudeTranscript(claudine.output, task.id, { lines: TAIL_LINES })
        : await claudine.output.tail(task.id, TAIL_LINES);
      resume = slice.nextOffset;
      stream.send('start', { earlier: slice.startOffset > 0 }, String(resume));
      // Transcript records are already rendered: they only move the resume point forward.
      const event: LogLinesEvent = {
        lines: slice.records.map((record) => ({ stream: record.stream, text: record.text })),
        nextOffset: resume,
      };
      if (slice.records.length > 0) stream.send('lines', event, String(resume));
    } else {
      stream.send('start', { earlier: resumeAt > 0 }, String(resume));
    }
    const ended = await claudine.followOutput(
      task.id,
      (records) => {
        if (stream.closed) return;
        send(renderer === undefined ? records : renderer.push(records), records);
      },
      { offset: resume, signal: controller.signal },
    );
    if (stream.closed) return;
    if (renderer !== undefined) send(renderer.flush(), []);
    const end: LogEndEvent = { status: ended.status };
    stream.send('end', end, String(resume));
    stream.end();
  } catch (error) {
    stream.send('failure', { error: error instanceof Error ? error.message : String(error) });
    stream.end();
  }
}

function position(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}
