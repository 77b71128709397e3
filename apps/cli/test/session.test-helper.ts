import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Task, TaskSchema } from '@claudine/core';
import { createTempDir, waitFor } from '@claudine/test-utils';
import { type CliRun, cliEnvironment, runCli, stopHostWithCli } from './cli.test-helper.js';

/** A throwaway data directory and working directory, and the CLI pointed at them. */
export interface CliSession {
  readonly root: string;
  readonly home: string;
  readonly workdir: string;
  env: Record<string, string | undefined>;
  cli(args: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<CliRun>;
  /** Submits a command task and returns its id. */
  submit(command: string, ...flags: string[]): Promise<string>;
  task(id: string): Promise<Task>;
  waitForStatus(id: string, statuses: readonly string[]): Promise<Task>;
  /** Stops the host if one runs, and removes the directories. */
  close(): Promise<void>;
}

/** Creates a {@link CliSession}; `extra` adds environment variables. */
export function createCliSession(extra: Record<string, string> = {}): CliSession {
  const temp = createTempDir();
  const home = join(temp.path, 'home');
  const workdir = join(temp.path, 'work');
  mkdirSync(workdir);
  const session: CliSession = {
    root: temp.path,
    home,
    workdir,
    env: cliEnvironment(home, extra),
    cli: (args, options = {}) => runCli(args, { env: session.env, cwd: workdir, ...options }),
    async submit(command, ...flags) {
      const run = await session.cli(['run', '--agent', 'command', ...flags, command]);
      if (run.code !== 0) throw new Error(`claudine run failed (${run.code}): ${run.stderr}`);
      return run.stdout.trim();
    },
    async task(id) {
      return TaskSchema.parse(JSON.parse((await session.cli(['status', id, '--json'])).stdout));
    },
    waitForStatus(id, statuses) {
      return waitFor(
        async () => {
          const current = await session.task(id);
          return statuses.includes(current.status) ? current : undefined;
        },
        { description: `task ${id} to be ${statuses.join(' or ')}`, timeoutMs: 30_000, intervalMs: 100 },
      );
    },
    async close() {
      await stopHostWithCli((args) => session.cli(args));
      temp.remove();
    },
  };
  return session;
}
