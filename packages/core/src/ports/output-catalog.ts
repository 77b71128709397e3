import type { TaskStatus } from '../task.js';
import type { OutputStream } from './output-store.js';

/** One segment of a task's log, as the catalog knows it. */
export interface OutputSegmentEntry {
  /** Log position of the segment's first byte; offsets run on across segments. */
  readonly startOffset: number;
  /** Log bytes the segment holds, uncompressed. */
  readonly logBytes: number;
  /** Bytes it takes on disk: fewer than `logBytes` once compressed. */
  readonly storedBytes: number;
  readonly compressed: boolean;
  /** File name inside the task's log directory. */
  readonly file: string;
  /** When the writer closed it; null while it is being written. */
  readonly closedAt: number | null;
}

/** Output bytes per stream. */
export type OutputByteCounts = Readonly<Record<OutputStream, number>>;

/** What is known about a task's output. */
export interface TaskOutputEntry {
  readonly taskId: string;
  /** The directory holding the task's log segments. */
  readonly directory: string;
  /** Output bytes captured per stream, over all attempts. */
  readonly capturedBytes: OutputByteCounts;
  /** Output bytes dropped, over all attempts (per-task cap reached, or writing failed). */
  readonly droppedBytes: number;
  /** Why output was dropped, when it was. */
  readonly truncatedReason: string | null;
  /** Oldest first. Empty once the log is deleted. */
  readonly segments: readonly OutputSegmentEntry[];
  readonly updatedAt: number;
  /** When the retention sweeper deleted the log, if it did. */
  readonly deletedAt: number | null;
}

/** Something that happened to a task's output, for the catalog. */
export type OutputEvent =
  | {
      readonly kind: 'segment_opened';
      readonly taskId: string;
      readonly directory: string;
      readonly segment: OutputSegmentEntry;
      readonly at: number;
    }
  | { readonly kind: 'segment_closed'; readonly taskId: string; readonly segment: OutputSegmentEntry; readonly at: number }
  | {
      readonly kind: 'segment_compressed';
      readonly taskId: string;
      readonly directory: string;
      /** The segment as it is now (compressed file, stored bytes). */
      readonly segment: OutputSegmentEntry;
      readonly at: number;
    }
  | {
      readonly kind: 'capture_finished';
      readonly taskId: string;
      readonly directory: string;
      /** What this attempt captured (added to earlier attempts'). */
      readonly capturedBytes: OutputByteCounts;
      readonly droppedBytes: number;
      readonly truncatedReason: string | null;
      readonly at: number;
    }
  | { readonly kind: 'log_deleted'; readonly taskId: string; readonly at: number };

/** A task's state as the output sweeper needs it. */
export interface TaskOutputState {
  readonly id: string;
  readonly status: TaskStatus;
  readonly finishedAt: number | null;
}

/**
 * Where output metadata is kept (sizes, segments, truncation, deletion), apart from the log
 * files themselves. The logs are self-describing, so readers never need the catalog; it serves
 * retention, status and maintenance commands.
 */
export interface OutputCatalog {
  /** Records an event. Events of a task arrive in order. */
  record(event: OutputEvent): Promise<void>;
  /** What is known about a task's output; undefined when nothing was recorded. */
  describe(taskId: string): Promise<TaskOutputEntry | undefined>;
  /** The status and finish time of those of `ids` that are tasks (unknown ids are left out). */
  taskStates(ids: readonly string[]): Promise<TaskOutputState[]>;
}
