import { spawn } from '@lydell/node-pty';
import { cliPath } from './cli.test-helper.js';

/** What a CLI run in a pseudo-terminal showed and how it exited. */
export interface TerminalRun {
  readonly exitCode: number;
  /** Everything written to the terminal (stdout and stderr together), escapes included. */
  readonly output: string;
}

/**
 * Runs the built CLI in a real pseudo-terminal of `columns` x `rows` (node-pty, from prebuilt
 * binaries: nothing to compile and no system package), so it sees a TTY as a person's would.
 */
export function runInTerminal(
  args: readonly string[],
  options: { env: Record<string, string | undefined>; cwd: string; columns?: number; rows?: number; timeoutMs?: number },
): Promise<TerminalRun> {
  const env = Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return new Promise((resolve, reject) => {
    const terminal = spawn(process.execPath, [cliPath, ...args], {
      name: 'xterm-256color',
      cols: options.columns ?? 100,
      rows: options.rows ?? 30,
      cwd: options.cwd,
      env: { ...env, TERM: 'xterm-256color' },
    });
    let output = '';
    terminal.onData((data) => {
      output += data;
    });
    const timer = setTimeout(() => {
      terminal.kill('SIGKILL');
      reject(new Error(`claudine ${args.join(' ')} did not finish in time in the terminal. It showed:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    terminal.onExit(({ exitCode }) => {
      clearTimeout(timer);
      resolve({ exitCode, output });
    });
  });
}

/** The text of terminal output without its escape sequences. */
export function withoutEscapes(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape sequences is the point.
  return text.replaceAll(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}
