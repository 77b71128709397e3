/**
 * Writes to a stream and tells when what was written has left the process, so a caller can wait
 * for a slow reader (backpressure) and reuse the memory it wrote from.
 */
export interface StreamWriter {
  write(data: string | Uint8Array): void;
  /**
   * Resolves once everything written so far has been handed to the stream's file (or the stream
   * failed or closed: a reader that went away, which the program's EPIPE handler deals with).
   */
  settled(): Promise<void>;
}

/** A {@link StreamWriter} over `stream`. */
export function createStreamWriter(stream: NodeJS.WritableStream): StreamWriter {
  let last: Promise<void> = Promise.resolve();
  return {
    write(data) {
      // Writes complete in order, so the last one's callback says all of them are done.
      last = new Promise((resolve) => {
        stream.write(data, () => resolve());
      });
    },
    settled: () => last,
  };
}

/**
 * Writes to `stream` and, when its buffer is full (`write` returned false), resolves once it
 * drained, so a caller that awaits every write holds at most one buffer of output however slow
 * the reader is. Returns undefined when the stream took the data at once. Also resolves when the
 * stream errs or closes (a reader that went away): the program's EPIPE handler ends the command.
 */
export function writeTo(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> | undefined {
  if (stream.write(data)) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/** Writes to stdout, waiting for it to drain when it is full (see {@link writeTo}). */
export function writeStdout(data: string | Uint8Array): Promise<void> | undefined {
  return writeTo(process.stdout, data);
}
