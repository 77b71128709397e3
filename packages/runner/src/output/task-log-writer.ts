import { close, mkdirSync, openSync, writev } from 'node:fs';
import { dirname } from 'node:path';
import type { OutputStream } from '@claudine/core';
import { encodeHeader, encodeRecord, encodeTrailer } from './log-format.js';

/** Options for {@link createTaskLogWriter}. */
export interface TaskLogWriterOptions {
  /** The log file; created 0600 (its directory 0700) when missing, appended to otherwise. */
  readonly path: string;
  /**
   * Most bytes held in memory before {@link TaskLogWriter.write} returns false and the caller
   * should pause its source (default 1 MiB).
   */
  readonly maxBufferedBytes?: number;
  /** Clock for record times (default `Date.now`). */
  readonly now?: () => number;
}

/** What a closed writer stored. */
export interface TaskLogSummary {
  /** Payload bytes written, per stream. */
  readonly bytes: Readonly<Record<OutputStream, number>>;
  /** Payload bytes lost because writing failed. */
  readonly droppedBytes: number;
  /** Why output was lost, if it was. */
  readonly truncatedReason: string | null;
}

/**
 * Appends framed output records to a task's log with bounded memory: chunks wait in a buffer
 * while a write is in flight, and {@link TaskLogWriter.write} returns false once the buffer is
 * full so the caller can pause the pipe (backpressure) instead of buffering more.
 */
export interface TaskLogWriter {
  /** Queues a chunk. False means the buffer is full: pause the source until `drain`. */
  write(stream: OutputStream, chunk: Buffer): boolean;
  /** Writes a line of Claudine's own (a warning, a signal sent) to the `system` stream. */
  note(text: string): void;
  /** Calls `listener` each time the buffer empties below its limit after being full. */
  onDrain(listener: () => void): void;
  /** Flushes what is buffered and closes the file. */
  close(): Promise<TaskLogSummary>;
}

/** Opens a task log for appending. Throws if the file cannot be created. */
export function createTaskLogWriter(options: TaskLogWriterOptions): TaskLogWriter {
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const now = options.now ?? Date.now;
  mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
  const fd = openSync(options.path, 'a', 0o600);
  const bytes: Record<OutputStream, number> = { stdout: 0, stderr: 0, system: 0 };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let writing = false;
  let full = false;
  let closed = false;
  let droppedBytes = 0;
  let truncatedReason: string | null = null;
  const drainListeners: Array<() => void> = [];
  let flushed: (() => void) | undefined;

  function flush(): void {
    if (writing || pending.length === 0) {
      if (!writing && pending.length === 0) flushed?.();
      return;
    }
    writing = true;
    const batch = pending;
    const batchBytes = pendingBytes;
    pending = [];
    pendingBytes = 0;
    writev(fd, batch, (error) => {
      writing = false;
      if (error !== null) {
        // A full disk or failing device: keep the task running, count what is lost.
        droppedBytes += batchBytes;
        truncatedReason ??= `writing the log failed: ${error.message}`;
      }
      if (full && pendingBytes < maxBuffered) {
        full = false;
        for (const listener of drainListeners) listener();
      }
      flush();
    });
  }

  function enqueue(stream: OutputStream, chunk: Buffer): void {
    if (truncatedReason !== null) {
      droppedBytes += chunk.length;
      return;
    }
    const time = now();
    if (chunk.length > 64 * 1024) {
      pending.push(encodeHeader(stream, time, chunk.length), chunk, encodeTrailer(chunk.length));
    } else pending.push(encodeRecord(stream, time, chunk));
    pendingBytes += chunk.length;
    bytes[stream] += chunk.length;
    flush();
  }

  return {
    write(stream, chunk) {
      if (closed) throw new Error('write after close');
      if (chunk.length === 0) return !full;
      enqueue(stream, chunk);
      if (pendingBytes >= maxBuffered) full = true;
      return !full;
    },
    note(text) {
      if (closed) return;
      enqueue('system', Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8'));
    },
    onDrain(listener) {
      drainListeners.push(listener);
    },
    async close() {
      if (!closed) {
        closed = true;
        await new Promise<void>((resolve) => {
          flushed = resolve;
          flush();
        });
        await new Promise<void>((resolve) => close(fd, () => resolve()));
      }
      return { bytes: { ...bytes }, droppedBytes, truncatedReason };
    },
  };
}
