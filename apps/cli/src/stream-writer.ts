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

/** Writes to stderr, waiting for it to drain when it is full (see {@link writeTo}). */
export function writeStderr(data: string | Uint8Array): Promise<void> | undefined {
  return writeTo(process.stderr, data);
}
