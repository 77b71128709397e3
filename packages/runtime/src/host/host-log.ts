import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/**
 * Where a host writes what it does. A write never throws and never stops the host: text that
 * cannot be written (a full disk, a closed terminal, `/dev/full`) is dropped and counted, and
 * the next write that goes through says how many lines were lost: the host's next line, or a
 * retry of the notice alone a second later, so a host with nothing more to say reports it too.
 */
export interface HostLog {
  /** Appends `text` (whole lines, each ending in a newline). */
  write(text: string): void;
  /** Lines dropped so far because a write failed. */
  readonly droppedLines: number;
  close(): void;
}

/** How {@link openHostLogFile} rotates its file. */
export interface HostLogFileOptions {
  readonly path: string;
  /** Once the file reaches this size it is renamed `<path>.1` and a new one begun (default 10 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept: `<path>.1` (newest) to `<path>.<keep>`; older ones are deleted by the renames (default 3). */
  readonly keep?: number;
}

/** Default size at which a host log is rotated. */
export const HOST_LOG_MAX_BYTES = 10 * 1024 * 1024;
/** Default number of rotated host logs kept beside the current one. */
export const HOST_LOG_KEEP = 3;

/**
 * A host log in a file (0600), appended to and rotated by size: the current file plus at most
 * `keep` older ones, so it never grows without bound. A file that cannot be opened or written
 * is tried again at the next write.
 */
export function openHostLogFile(options: HostLogFileOptions): HostLog {
  const maxBytes = options.maxBytes ?? HOST_LOG_MAX_BYTES;
  const keep = options.keep ?? HOST_LOG_KEEP;
  const drops = createDropCounter(() => log.write(''));
  let fd: number | undefined;
  let size = 0;

  const open = (): number | undefined => {
    if (fd !== undefined) return fd;
    try {
      fd = openSync(options.path, 'a', 0o600);
      size = fstatSync(fd).size;
    } catch (error) {
      fd = undefined;
      drops.failed(error);
    }
    return fd;
  };

  const rotate = (): void => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    // Each rename replaces the file it lands on, so the oldest one goes without an unlink.
    for (let index = keep - 1; index >= 1; index -= 1) renameQuietly(`${options.path}.${index}`, `${options.path}.${index + 1}`);
    if (keep > 0) renameQuietly(options.path, `${options.path}.1`);
    else renameQuietly(options.path, `${options.path}.old`);
  };

  const log: HostLog = {
    write(text) {
      const target = open();
      if (target === undefined) {
        drops.undelivered(text, 0);
        return;
      }
      const notice = drops.takeNotice();
      const buffer = Buffer.from(notice.text + text, 'utf8');
      let written = 0;
      try {
        while (written < buffer.length) written += writeSync(target, buffer, written);
      } catch (error) {
        drops.failed(error);
        drops.undelivered(text, notice.lines);
        size += written;
        // Part of a line went out: the next write starts on a line of its own.
        if (written > 0) drops.brokeLine();
        return;
      }
      size += written;
      if (size >= maxBytes) rotate();
    },
    get droppedLines() {
      return drops.total();
    },
    close() {
      drops.close();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
  return log;
}

/**
 * A host log on a stream such as `process.stderr` (a terminal, a pipe, a file, `/dev/full`).
 * Its error events are handled here, so a failing stream cannot end the process.
 */
export function hostLogOnStream(stream: NodeJS.WritableStream): HostLog {
  const drops = createDropCounter(() => log.write(''));
  stream.on('error', (error: unknown) => drops.failed(error));
  const log: HostLog = {
    write(text) {
      const notice = drops.takeNotice();
      const undelivered = (error: unknown): void => {
        drops.failed(error);
        drops.undelivered(text, notice.lines);
      };
      try {
        stream.write(notice.text + text, (error) => {
          if (error !== undefined && error !== null) undelivered(error);
        });
      } catch (error) {
        undelivered(error);
      }
    },
    get droppedLines() {
      return drops.total();
    },
    close() {
      drops.close();
    },
  };
  return log;
}

// How long after a lost write the notice alone is tried again.
const NOTICE_RETRY_MS = 1000;

// Counts the lines that could not be written, and says how many once writes go through again:
// `retry` (a write of nothing, which carries the notice) runs a second after a loss until the
// notice is out.
function createDropCounter(retry: () => void) {
  let total = 0;
  let unreported = 0;
  let lastError = '';
  let lineBroken = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const armRetry = (): void => {
    if (retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (unreported > 0) retry();
    }, NOTICE_RETRY_MS);
    retryTimer.unref();
  };
  return {
    brokeLine(): void {
      lineBroken = true;
    },
    failed(error: unknown): void {
      lastError = (error as NodeJS.ErrnoException)?.code ?? (error instanceof Error ? error.message : String(error));
    },
    /** `text` was lost, and with it the notice of `noticeLines` earlier losses it carried. */
    undelivered(text: string, noticeLines: number): void {
      const lines = countLines(text);
      total += lines;
      unreported += lines + noticeLines;
      armRetry();
    },
    /** The notice to put before the next write, if lines were lost since the last one went through. */
    takeNotice(): { readonly text: string; readonly lines: number } {
      if (unreported === 0) return { text: '', lines: 0 };
      const lines = unreported;
      unreported = 0;
      const newline = lineBroken ? '\n' : '';
      lineBroken = false;
      return {
        text: `${newline}${new Date().toISOString()} (${lines} log line${lines === 1 ? ' was' : 's were'} dropped: could not write the log: ${lastError})\n`,
        lines,
      };
    },
    total(): number {
      return total;
    },
    close(): void {
      clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
}

function countLines(text: string): number {
  let lines = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lines += 1;
  return lines === 0 && text !== '' ? 1 : lines;
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // Missing (not rotated that far yet) or not ours to move: the log goes on either way.
  }
}
