import type { OutputByteCounts, OutputEvent, OutputStream } from '@claudine/core';
import type { LogFileSystem } from './log-file-system.js';
import type { createTaskLogWriter } from './task-log-writer.js';

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
