import { fileURLToPath } from 'node:url';
import { fakeClaudePath, isProcessAlive, spawnWatched, type WatchedProcess, waitFor } from '@claudine/test-utils';

/** The built CLI entry point; `pnpm test` builds before testing. */
export const cliPath = fileURLToPath(new URL('../bin/claudine.cjs', import.meta.url));

/** What a CLI run printed and how it exited. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for a CLI under test: its own data dir, the fake claude, no colours. */
export function cliEnvironment(home: string, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...process.env,
    CLAUDINE_HOME: home,
    CLAUDINE_AGENTS_CLAUDE_COMMAND: fakeClaudePath,
    CLAUDINE_HOST_IDLE_EXIT: '3s',
    CLAUDINE_TIMEOUT_KILL_GRACE: '500ms',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Starts the built CLI and lets the test watch its output while it runs. */
export function startCli(args: readonly string[], options: { env: Record<string, string | undefined>; cwd?: string }): WatchedProcess {
  return spawnWatched(process.execPath, [cliPath, ...args], { env: options.env as NodeJS.ProcessEnv, cwd: options.cwd });
}

/** Runs the built CLI to completion. */
export async function runCli(
  args: readonly string[],
  options: { env: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number },
): Promise<CliRun> {
  const run = startCli(args, options);
  run.child.stdin.end(options.input ?? '');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`claudine ${args.join(' ')} did not finish in time.\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`));
    }, options.timeoutMs ?? 30_000);
  });
  try {
    const { code, stdout, stderr } = await Promise.race([run.exited, timedOut]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Stops the host of the data dir `cli` points at, if one runs, and waits for it to exit. */
export async function stopHostWithCli(cli: (args: string[]) => Promise<CliRun>): Promise<void> {
  const status = await cli(['host', 'status', '--json']);
  if (status.code !== 0) return;
  const { host } = JSON.parse(status.stdout) as { host: { pid: number } };
  await cli(['host', 'stop']);
  await waitFor(() => !isProcessAlive(host.pid), { description: 'the host to exit' });
}

export { fakeClaudePath };
