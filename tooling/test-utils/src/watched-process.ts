import { type ChildProcessWithoutNullStreams, type SpawnOptionsWithoutStdio, spawn } from 'node:child_process';

/** How a watched process ended, with all it printed. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child process whose output a test reads while it runs. */
export interface WatchedProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Writes a line to its stdin. */
  writeLine(line: string): void;
  /** Settles once it exited and its output streams closed. */
  readonly exited: Promise<ProcessExit>;
}

/**
 * Starts `command` with piped stdio and collects what it prints, so a test can wait for a line
 * (a listening address, an answer) and still see everything it wrote when something fails.
 */
export function spawnWatched(command: string, args: readonly string[], options: SpawnOptionsWithoutStdio = {}): WatchedProcess {
  const child = spawn(command, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  // A test that never awaits the exit must not see a failed spawn as an unhandled rejection.
  exited.catch(() => undefined);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    writeLine(line) {
      child.stdin.write(`${line}\n`);
    },
    exited,
  };
}
