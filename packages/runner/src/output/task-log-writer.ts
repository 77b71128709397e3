import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputByteCounts, OutputEvent, OutputSegmentEntry, OutputStream } from '@claudine/core';
import { formatBytes } from '@claudine/core';
import { findLogEnd } from './log-end.js';
import { type LogFileSystem, nodeLogFileSystem } from './log-file-system.js';
import { encodeHeader, encodeRecord, encodeTrailer, MAX_RECORD_PAYLOAD_BYTES, RECORD_OVERHEAD_BYTES } from './log-format.js';
import { segmentFileName } from './segment-files.js';

/** Default size at which a segment is closed and the next one begun. */
export const DEFAULT_SEGMENT_BYTES = 100 * 1024 * 1024;
/** Default cap on a task's whole log. */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 ** 3;
/** Default most output bytes held in memory before the source is asked to pause. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

// Chunks smaller than this are framed into one buffer (one copy, one iovec); larger ones are
// written as header, chunk, trailer without copying.
const COPY_BELOW_BYTES = 16 * 1024;

/** Options for {@link createTaskLogWriter}. */
export interface TaskLogWriterOptions {
  /** The task's log directory; created 0700 when missing. Segments in it are created 0600. */
  readonly directory: string;
  /** The task the log belongs to (named in events). */
  readonly taskId: string;
  /**
   * Most bytes held in memory before {@link TaskLogWriter.write} returns false and the caller
   * should pause its source (default 1 MiB).
   */
  readonly maxBufferedBytes?: number;
  /** Size at which a segment is closed and the next begun (default 100 MiB). */
  readonly segmentBytes?: number;
  /**
   * Cap on the whole log of the task, over all its attempts (default 10 GiB). Output beyond it
   * is dropped and counted, and a note says so; Claudine's own notes still get through.
   */
  readonly maxLogBytes?: number;
  /** Clock for record times (default `Date.now`). */
  readonly now?: () => number;
  /** File operations (default `node:fs`); tests inject failures here. */
  readonly fileSystem?: LogFileSystem;
  /** Told when a segment is opened or closed and when the writer closes. Must not throw. */
  readonly onEvent?: (event: OutputEvent) => void;
}

/** What a closed writer stored. */
export interface TaskLogSummary {
  /** Output bytes written, per stream. */
  readonly capturedBytes: OutputByteCounts;
  /** Output bytes (stdout and stderr) lost: over the cap, or because writing failed. */
  readonly droppedBytes: number;
  /** Why output was lost, if it was. */
  readonly truncatedReason: string | null;
  /** Log position after the last record written. */
  readonly endOffset: number;
}

/**
 * Appends framed output records to a task's log with bounded memory: chunks wait in a buffer
 * while a write is in flight, and {@link TaskLogWriter.write} returns false once the buffer is
 * full so the caller can pause the pipe (backpressure) instead of buffering more. The log rolls
 * into a new segment every `segmentBytes`; a write error (full disk, failing device) stops
 * writing, counts what is lost and records why, and never throws at the caller.
 */
export interface TaskLogWriter {
  /** Queues a chunk. False means the buffer is full: pause the source until `drain`. */
  write(stream: OutputStream, chunk: Buffer): boolean;
  /** Writes a line of Claudine's own (a warning, a signal sent) to the `system` stream. */
  note(text: string): void;
  /** Calls `listener` each time the buffer empties below its limit after being full. */
  onDrain(listener: () => void): void;
  /** Flushes what is buffered and closes the log. Never rejects. */
  close(): Promise<TaskLogSummary>;
}

interface Item {
  readonly stream: OutputStream;
  readonly time: number;
  readonly chunk: Buffer;
  /** Claudine's own note: not subject to the cap. */
  readonly note: boolean;
}

interface OpenSegment {
  readonly start: number;
  readonly name: string;
  readonly fd: number;
  /** Bytes written to it so far. */
  bytes: number;
}

/**
 * Opens a task log for appending (a retried task's log goes on where the last attempt stopped,
 * in a new segment). Never throws: a log directory that cannot be created, like any later
 * failure, is recorded in the summary (the task runs on; its output is counted as dropped).
 */
export function createTaskLogWriter(options: TaskLogWriterOptions): TaskLogWriter {
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const segmentBytes = Math.max(options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, RECORD_OVERHEAD_BYTES + 1);
  const maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
  const now = options.now ?? Date.now;
  const fileSystem = options.fileSystem ?? nodeLogFileSystem;
  const emit = options.onEvent ?? (() => {});
  const { directory, taskId } = options;

  const captured: Record<OutputStream, number> = { stdout: 0, stderr: 0, system: 0 };
  const dropped: Record<OutputStream, number> = { stdout: 0, stderr: 0, system: 0 };
  // A UTF-8 character split across two chunks is held back and joined with the next chunk, so
  // every record decodes on its own.
  const held: Partial<Record<OutputStream, Buffer>> = {};
  let items: Item[] = [];
  let pendingBytes = 0;
  let full = false;
  let closed = false;
  let capped = false;
  let failed = false;
  let truncatedReason: string | null = null;
  let segment: OpenSegment | undefined;
  let logEnd = 0;
  let opened = false;
  let pumping: Promise<void> | undefined;
  const drainListeners: Array<() => void> = [];

  function segmentEntry(current: OpenSegment, closedAt: number | null): OutputSegmentEntry {
    return {
      startOffset: current.start,
      logBytes: current.bytes,
      storedBytes: current.bytes,
      compressed: false,
      file: current.name,
      closedAt,
    };
  }

  function fail(reason: string): void {
    failed = true;
    truncatedReason ??= reason;
  }

  async function openSegment(start: number): Promise<void> {
    const name = segmentFileName(start, false);
    const fd = await fileSystem.open(join(directory, name));
    segment = { start, name, fd, bytes: 0 };
    emit({ kind: 'segment_opened', taskId, directory, segment: segmentEntry(segment, null), at: now() });
  }

  async function closeSegment(): Promise<void> {
    const current = segment;
    if (current === undefined) return;
    segment = undefined;
    try {
      await fileSystem.close(current.fd);
    } catch (error) {
      fail(`closing the log failed: ${(error as Error).message}`);
    }
    emit({ kind: 'segment_closed', taskId, segment: segmentEntry(current, now()), at: now() });
  }

  async function openLog(): Promise<void> {
    opened = true;
    try {
      // Made at once: a directory costs microseconds, a trip to libuv's thread pool and back
      // costs the event loop more (see nodeLogFileSystem).
      const created = mkdirSync(directory, { recursive: true, mode: 0o700 });
      // A directory made just now holds no segment: only a retried task's log is looked into.
      const end = created === undefined ? await findLogEnd(directory) : { offset: 0, last: undefined };
      logEnd = end.offset;
      // The last segment has no complete record: it is replaced by the new one.
      if (end.last?.compressed === true && end.last.start === logEnd) await unlink(join(directory, end.last.name));
      await openSegment(logEnd);
    } catch (error) {
      fail(`opening the log failed: ${(error as Error).message}`);
    }
  }

  // Writes buffers at the end of the current segment, going on after short writes. On an error
  // the segment is cut back to its last whole record, and writing stops for good.
  async function writeBuffers(buffers: Buffer[], tally: Record<OutputStream, number>): Promise<boolean> {
    const current = segment;
    if (current === undefined || failed) {
      addTo(dropped, tally);
      return false;
    }
    let remaining = buffers;
    let position = current.bytes;
    try {
      while (remaining.length > 0) {
        const written = await fileSystem.writev(current.fd, remaining, position);
        if (written <= 0) throw new Error('the file system accepted no bytes');
        position += written;
        remaining = skipBytes(remaining, written);
      }
    } catch (error) {
      fail(`writing the log failed: ${(error as Error).message}`);
      addTo(dropped, tally);
      try {
        await fileSystem.truncate(current.fd, current.bytes);
      } catch {
        // Readers stop at a cut-off record anyway.
      }
      return false;
    }
    current.bytes = position;
    logEnd = current.start + position;
    addTo(captured, tally);
    return true;
  }

  async function pump(): Promise<void> {
    if (!opened) await openLog();
    while (items.length > 0) {
      // Half the buffer at a time: while one half is written, the pipe fills the other, so the
      // source is not paused for every write.
      let take = 0;
      let takenBytes = 0;
      while (take < items.length && (take === 0 || takenBytes < maxBuffered / 2)) {
        takenBytes += (items[take] as Item).chunk.length;
        take += 1;
      }
      const batch = items.slice(0, take);
      items = items.slice(take);
      let buffers: Buffer[] = [];
      let bufferedLogBytes = 0;
      let tally = emptyCounts();
      const flushBuffers = async (): Promise<void> => {
        if (buffers.length > 0) await writeBuffers(buffers, tally);
        buffers = [];
        bufferedLogBytes = 0;
        tally = emptyCounts();
      };
      for (const item of batch) {
        const recordBytes = RECORD_OVERHEAD_BYTES + item.chunk.length;
        if (failed) {
          if (!item.note) dropped[item.stream] += item.chunk.length;
          continue;
        }
        if (!item.note && logEnd + bufferedLogBytes + recordBytes > maxLogBytes) {
          dropped[item.stream] += item.chunk.length;
          if (!capped) {
            capped = true;
            truncatedReason ??= `the output reached the cap of ${formatBytes(maxLogBytes)} per task (output.maxBytesPerTask)`;
            const text = `[claudine] this task's output reached the cap of ${formatBytes(maxLogBytes)} (output.maxBytesPerTask): further output is dropped and counted\n`;
            const note = Buffer.from(text, 'utf8');
            buffers.push(encodeRecord('system', item.time, note));
            bufferedLogBytes += RECORD_OVERHEAD_BYTES + note.length;
            tally.system += note.length;
          }
          continue;
        }
        const current = segment;
        if (
          current !== undefined &&
          current.bytes + bufferedLogBytes > 0 &&
          current.bytes + bufferedLogBytes + recordBytes > segmentBytes
        ) {
          await flushBuffers();
          if (!failed) {
            await closeSegment();
            try {
              await openSegment(logEnd);
            } catch (error) {
              fail(`opening a new log segment failed: ${(error as Error).message}`);
            }
          }
          if (failed) {
            if (!item.note) dropped[item.stream] += item.chunk.length;
            continue;
          }
        }
        if (item.chunk.length < COPY_BELOW_BYTES) buffers.push(encodeRecord(item.stream, item.time, item.chunk));
        else buffers.push(encodeHeader(item.stream, item.time, item.chunk.length), item.chunk, encodeTrailer(item.chunk.length));
        bufferedLogBytes += recordBytes;
        tally[item.stream] += item.chunk.length;
      }
      await flushBuffers();
      for (const item of batch) pendingBytes -= item.chunk.length;
      if (full && pendingBytes < maxBuffered) {
        full = false;
        for (const listener of drainListeners) listener();
      }
    }
  }

  function schedule(): void {
    pumping ??= pump().finally(() => {
      pumping = undefined;
      if (items.length > 0) schedule();
    });
  }

  function enqueue(stream: OutputStream, chunk: Buffer, note: boolean): void {
    const time = now();
    for (let start = 0; start < chunk.length; start += MAX_RECORD_PAYLOAD_BYTES) {
      const part = chunk.length <= MAX_RECORD_PAYLOAD_BYTES ? chunk : chunk.subarray(start, start + MAX_RECORD_PAYLOAD_BYTES);
      items.push({ stream, time, chunk: part, note });
      pendingBytes += part.length;
    }
    schedule();
  }

  function writeOutput(stream: OutputStream, input: Buffer): void {
    let chunk = input;
    const before = held[stream];
    if (before !== undefined) {
      chunk = Buffer.concat([before, chunk]);
      delete held[stream];
    }
    const incomplete = incompleteUtf8Tail(chunk);
    if (incomplete > 0) {
      held[stream] = Buffer.from(chunk.subarray(chunk.length - incomplete));
      chunk = chunk.subarray(0, chunk.length - incomplete);
    }
    if (chunk.length > 0) enqueue(stream, chunk, false);
  }

  return {
    write(stream, chunk) {
      if (closed) throw new Error('write after close');
      if (chunk.length === 0) return !full;
      if (failed || capped) {
        // Nothing more is stored: keep the source flowing so the task runs on, and count.
        dropped[stream] += chunk.length;
        return true;
      }
      writeOutput(stream, chunk);
      if (pendingBytes >= maxBuffered) full = true;
      return !full;
    },
    note(text) {
      if (closed) return;
      enqueue('system', Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8'), true);
    },
    onDrain(listener) {
      drainListeners.push(listener);
    },
    async close() {
      if (!closed) {
        closed = true;
        for (const stream of ['stdout', 'stderr'] as const) {
          const rest = held[stream];
          delete held[stream];
          if (rest !== undefined && !failed && !capped) enqueue(stream, rest, false);
          else if (rest !== undefined) dropped[stream] += rest.length;
        }
        if (pumping === undefined && !opened) schedule();
        while (pumping !== undefined) await pumping;
        const lost = dropped.stdout + dropped.stderr;
        if (lost > 0) {
          const text = `[claudine] ${formatBytes(lost)} of output dropped (stdout ${formatBytes(dropped.stdout)}, stderr ${formatBytes(dropped.stderr)}): ${truncatedReason ?? 'unknown reason'}\n`;
          // Even after a write failure, try once: the disk may have room again.
          const wasFailed = failed;
          failed = false;
          const note = Buffer.from(text, 'utf8');
          await writeBuffers([encodeRecord('system', now(), note)], { ...emptyCounts(), system: note.length });
          failed = wasFailed || failed;
        }
        await closeSegment();
        emit({
          kind: 'capture_finished',
          taskId,
          directory,
          capturedBytes: { ...captured },
          droppedBytes: lost,
          truncatedReason,
          at: now(),
        });
      }
      return { capturedBytes: { ...captured }, droppedBytes: dropped.stdout + dropped.stderr, truncatedReason, endOffset: logEnd };
    },
  };
}

function emptyCounts(): Record<OutputStream, number> {
  return { stdout: 0, stderr: 0, system: 0 };
}

function addTo(target: Record<OutputStream, number>, tally: Readonly<Record<OutputStream, number>>): void {
  target.stdout += tally.stdout;
  target.stderr += tally.stderr;
  target.system += tally.system;
}

function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let rest = count;
  let index = 0;
  while (index < buffers.length && rest >= (buffers[index] as Buffer).length) {
    rest -= (buffers[index] as Buffer).length;
    index += 1;
  }
  const remaining = buffers.slice(index);
  if (rest > 0 && remaining.length > 0) remaining[0] = (remaining[0] as Buffer).subarray(rest);
  return remaining;
}

/** How many bytes at the end of `chunk` begin a UTF-8 character that the chunk does not finish. */
export function incompleteUtf8Tail(chunk: Buffer): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back += 1) {
    const byte = chunk[chunk.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    if ((byte & 0x80) === 0) return 0;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return back < needed ? back : 0;
  }
  return 0;
}
