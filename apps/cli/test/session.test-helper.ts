import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Task, TaskSchema } from '@claudine/core';
import { createTempDir, type WatchedProcess, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach } from 'vitest';
import { type CliRun, cliEnvironment, runCli, startCli, stopHostWithCli } from './cli.test-helper.js';

/** A throwaway data directory and working directory, and the CLI pointed at them. */
export interface CliSession {
  readonly root: string;
  readonly home: string;
  readonly workdir: string;
  env: Record<string, string | undefined>;
  cli(args: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<CliRun>;
  /** Starts the CLI in the workdir and lets the test watch its output while it runs. */
  start(args: readonly string[]): WatchedProcess;
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
    start: (args) => startCli(args, { env: session.env, cwd: workdir }),
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

/**
 * A fresh {@link CliSession} for each test, closed after it: call at the top of a file or a
 * `describe`. What it returns reads the current test's session; `extra` may be a function of
 * what `beforeEach` hooks registered earlier set up (a webhook receiver's URL).
 */
export function useCliSession(extra: Record<string, string> | (() => Record<string, string>) = {}): CliSession {
  let current: CliSession | undefined;
  beforeEach(() => {
    current = createCliSession(typeof extra === 'function' ? extra() : extra);
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    await done?.close();
  });
  const session = (): CliSession => {
    if (current === undefined) throw new Error('the CLI session is only there inside a test');
    return current;
  };
  return {
    get root() {
      return session().root;
    },
    get home() {
      return session().home;
    },
    get workdir() {
      return session().workdir;
    },
    get env() {
      return session().env;
    },
    set env(env) {
      session().env = env;
    },
    cli: (args, options) => session().cli(args, options),
    start: (args) => session().start(args),
    submit: (command, ...flags) => session().submit(command, ...flags),
    task: (id) => session().task(id),
    waitForStatus: (id, statuses) => session().waitForStatus(id, statuses),
    close: () => session().close(),
  };
}
