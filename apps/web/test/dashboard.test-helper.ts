import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Claudine, openClaudine } from '@claudine/runtime';
import { createTempDir, fakeClaudePath, isProcessAlive, type TempDir, waitFor } from '@claudine/test-utils';

/** The built dashboard; `pnpm test` builds (and bundles) before testing. */
export const dashboardBin = fileURLToPath(new URL('../bin/claudine-web.js', import.meta.url));

/** A data directory with a client, and a dashboard served for it by the built bin. */
export interface DashboardFixture {
  readonly home: string;
  readonly workdir: string;
  /** Submits tasks; starts the host (detached, with the fake claude) as the CLI would. */
  readonly claudine: Claudine;
  /** The dashboard's address, e.g. `http://127.0.0.1:40123`. */
  readonly origin: string;
  readonly port: number;
  /** The link `claudine ui` prints, with the token in its fragment. */
  readonly signInUrl: string;
  readonly token: string;
  /** What the dashboard printed on stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** Environment of the hosts and the dashboard under test. */
export function dashboardEnvironment(home: string): Record<string, string | undefined> {
  return {
    ...process.env,
    CLAUDINE_HOME: home,
    CLAUDINE_AGENTS_CLAUDE_COMMAND: fakeClaudePath,
    CLAUDINE_HOST_IDLE_EXIT: '30s',
    CLAUDINE_TIMEOUT_KILL_GRACE: '500ms',
    CLAUDINE_METRICS_SAMPLE_INTERVAL: '250ms',
  };
}

/** Starts `claudine-web --port 0` on a fresh data directory and waits for its link. */
export async function startDashboardFixture(): Promise<DashboardFixture> {
  const temp: TempDir = createTempDir('claudine-web-');
  const home = join(temp.path, 'home');
  const workdir = join(temp.path, 'work');
  mkdirSync(workdir);
  const environment = dashboardEnvironment(home);
  const claudine = openClaudine({ home, environment });
  const child: ChildProcess = spawn(process.execPath, [dashboardBin, '--port', '0'], {
    env: environment as NodeJS.ProcessEnv,
    cwd: workdir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const signInUrl = await waitFor(() => /Claudine dashboard: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(stdout)?.[1], {
    description: `the dashboard's link (stderr: ${stderr})`,
    timeoutMs: 30_000,
  });
  const url = new URL(signInUrl);
  return {
    home,
    workdir,
    claudine,
    origin: url.origin,
    port: Number(url.port),
    signInUrl,
    token: url.hash.replace('#token=', ''),
    stderr: () => stderr,
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      const { host } = await claudine.hostStatus();
      if (host !== null && isProcessAlive(host.pid)) {
        process.kill(host.pid, 'SIGTERM');
        await waitFor(() => !isProcessAlive(host.pid), { description: 'the host to exit', timeoutMs: 20_000 });
      }
      claudine.close();
      temp.remove();
    },
  };
}
