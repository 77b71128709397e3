import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fakeClaudePath, isProcessAlive, waitFor } from '@claudine/test-utils';

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

/** Runs the built CLI to completion. */
export function runCli(
  args: readonly string[],
  options: { env: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: options.env as NodeJS.ProcessEnv,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`claudine ${args.join(' ')} did not finish in time.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
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
