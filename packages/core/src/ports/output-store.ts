/** The streams of a task's output. `system` holds Claudine's own notes (warnings, signals). */
export const OUTPUT_STREAMS = ['stdout', 'stderr', 'system'] as const;
/** One output stream; see {@link OUTPUT_STREAMS}. */
export type OutputStream = (typeof OUTPUT_STREAMS)[number];

/** A piece of output with the stream it came from and when it was captured. */
export interface OutputRecord {
  readonly stream: OutputStream;
  /** Capture time, milliseconds since the Unix epoch. */
  readonly time: number;
  readonly text: string;
}

/** What a read returned, and where to continue from. */
export interface OutputSlice {
  readonly records: readonly OutputRecord[];
  /** Position to pass as `offset` to read what follows. */
  readonly nextOffset: number;
  /** True when this slice reaches the end of what is stored now. */
  readonly atEnd: boolean;
}

/** Options for reading output. */
export interface OutputReadOptions {
  /** Start position (from a previous slice's `nextOffset`); 0 for the start. */
  readonly offset?: number;
  /** Streams to include; all by default. */
  readonly streams?: readonly OutputStream[];
  /** Stop after about this many bytes of text. */
  readonly maxBytes?: number;
}

/**
 * Reads task output from any process, while the task runs or after. How output is stored (files,
 * segments, compression) is the adapter's business.
 */
export interface OutputStore {
  /** Output from `offset` on. An unknown task reads as empty. */
  read(taskId: string, options?: OutputReadOptions): Promise<OutputSlice>;
  /** The last `lines` lines of the chosen streams. */
  tail(taskId: string, lines: number, streams?: readonly OutputStream[]): Promise<OutputSlice>;
}
