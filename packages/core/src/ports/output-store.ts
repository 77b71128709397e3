/** The streams of a task's output. `system` holds Claudine's own notes (warnings, signals). */
export const OUTPUT_STREAMS = ['stdout', 'stderr', 'system'] as const;
/** One output stream; see {@link OUTPUT_STREAMS}. */
export type OutputStream = (typeof OUTPUT_STREAMS)[number];

/** A piece of output with the stream it came from, when it was captured and where it is. */
export interface OutputRecord {
  readonly stream: OutputStream;
  /** Capture time, milliseconds since the Unix epoch. */
  readonly time: number;
  readonly text: string;
  /**
   * Log position of the first byte of `text` (UTF-8); the byte `n` of the text is at
   * `offset + n`. Any such position is a valid `offset` or `before`, so a reader that shows only
   * part of a record can continue exactly where it stopped.
   */
  readonly offset: number;
}

/**
 * A piece of output as the bytes the task wrote, exactly (what {@link OutputStore.readBytes}
 * returns): byte-identical even where the task wrote something that is not UTF-8.
 */
export interface OutputChunk {
  readonly stream: OutputStream;
  /** Capture time, milliseconds since the Unix epoch. */
  readonly time: number;
  readonly bytes: Uint8Array;
  /** Log position of the first byte of `bytes`; see {@link OutputRecord.offset}. */
  readonly offset: number;
}

/**
 * A stretch of a log that could not be read (a missing or damaged segment). The reader skips it
 * and goes on with what follows, so the rest of the log stays readable; the apps show `message`.
 */
export interface OutputDamage {
  /** The file that is missing or damaged. */
  readonly file: string;
  /** First log position that could not be read. */
  readonly from: number;
  /** Where readable output resumes. */
  readonly to: number;
  /** What is wrong and what to do, naming the file. */
  readonly message: string;
}

/** What a read returned (text records, or {@link OutputChunk}s), and where to continue from. */
export interface OutputSlice<Item = OutputRecord> {
  readonly records: readonly Item[];
  /** Log position where this slice starts (pass it as `before` to read what precedes). */
  readonly startOffset: number;
  /** Position to pass as `offset` to read what follows. */
  readonly nextOffset: number;
  /** True when this slice reaches the end of what is stored now. */
  readonly atEnd: boolean;
  /** Parts of the log that were skipped because they are missing or damaged (absent when none). */
  readonly damage?: readonly OutputDamage[];
}

/** Options for reading output. */
export interface OutputReadOptions {
  /** Start position (a previous slice's `nextOffset`, or any record's `offset` plus some bytes); 0 for the start. */
  readonly offset?: number;
  /** Streams to include; all by default. */
  readonly streams?: readonly OutputStream[];
  /** Stop after about this many bytes of text. */
  readonly maxBytes?: number;
}

/** Options for reading output as bytes. */
export interface OutputByteReadOptions extends OutputReadOptions {
  /**
   * Read into this buffer instead of new memory: the chunks are views of it, valid until the
   * caller writes to it or reads into it again, and a read returns no more than it holds. A
   * reader that copies a whole log elsewhere reuses one buffer for every read, so copying
   * gigabytes leaves no garbage behind. Throws `invalid_input` when it is smaller than the
   * largest record the store keeps (1 MiB for the file store).
   */
  readonly buffer?: Uint8Array;
}

/** Options for tailing output. */
export interface OutputTailOptions {
  /** Streams to include; all by default. */
  readonly streams?: readonly OutputStream[];
  /** End the tail here instead of at the end of the log (a previous slice's `startOffset`, to page back). */
  readonly before?: number;
}

/**
 * Reads task output from any process, while the task runs or after. Offsets are positions in
 * the whole log: they stay valid however the log is stored (segments, compression), which is the
 * adapter's business.
 */
export interface OutputStore {
  /** Output from `offset` on. An unknown task reads as empty. */
  read(taskId: string, options?: OutputReadOptions): Promise<OutputSlice>;
  /**
   * The same as {@link OutputStore.read}, as the bytes the task wrote instead of text: what a
   * reader that copies output elsewhere (a pipe, a file) uses, so nothing is decoded or altered.
   */
  readBytes(taskId: string, options?: OutputByteReadOptions): Promise<OutputSlice<OutputChunk>>;
  /** The last `lines` lines of the chosen streams. */
  tail(taskId: string, lines: number, options?: OutputTailOptions): Promise<OutputSlice>;
}
