import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminalStatus, type Task } from '@claudine/core';
import { createTempDir, fakeClaudePath, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { openClaudine } from '../client/client.js';
import type { ConfigInput } from '../config/config.js';
import { type Host, type HostOptions, startHost } from './host.js';

/** A data directory with hosts and clients on it, fresh for each test and cleaned up after it. */
export interface HostFixture {
  /** The test's temp directory (holds `home` and `work`). */
  readonly root: string;
  /** The data directory. */
  readonly home: string;
  /** An empty directory for tasks to work in. */
  readonly workdir: string;
  /** What hosts and clients see: the fake claude, the fixture's settings, then `extra`. */
  environment(extra?: Record<string, string>): Record<string, string | undefined>;
  /** Starts a host in this process (stopped after the test). */
  host(options?: { readonly extra?: Record<string, string> } & Pick<HostOptions, 'lock' | 'config' | 'log'>): Promise<Host>;
  /** A client that never starts a host of its own (closed after the test). */
  client(options?: { readonly extra?: Record<string, string>; readonly overrides?: ConfigInput }): Claudine;
}

/**
 * Registers the `beforeEach`/`afterEach` of a {@link HostFixture} in the calling test file.
 * `settings` are `CLAUDINE_*` variables every host and client of the file gets (a 500 ms kill
 * grace unless given).
 */
export function useHostFixture(settings: Record<string, string> = {}): HostFixture {
  let temp: TempDir | undefined;
  const hosts: Host[] = [];
  const clients: Claudine[] = [];
  const current = (): TempDir => {
    if (temp === undefined) throw new Error('the host fixture is used outside a test');
    return temp;
  };
  beforeEach(() => {
    temp = createTempDir();
    mkdirSync(join(temp.path, 'work'));
  });
  afterEach(async () => {
    for (const started of hosts.splice(0)) await started.stop();
    for (const opened of clients.splice(0)) opened.close();
    temp?.remove();
    temp = undefined;
  });
  const fixture: HostFixture = {
    get root() {
      return current().path;
    },
    get home() {
      return join(current().path, 'home');
    },
    get workdir() {
      return join(current().path, 'work');
    },
    environment: (extra = {}) => ({
      ...process.env,
      CLAUDINE_AGENTS_CLAUDE_COMMAND: fakeClaudePath,
      CLAUDINE_TIMEOUT_KILL_GRACE: '500ms',
      ...settings,
      ...extra,
    }),
    async host(options = {}) {
      const { extra, ...rest } = options;
      const started = await startHost({ home: fixture.home, environment: fixture.environment(extra), ...rest });
      hosts.push(started);
      return started;
    },
    client(options = {}) {
      const opened = openClaudine({
        home: fixture.home,
        environment: fixture.environment(options.extra),
        autoStartHost: false,
        ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
      });
      clients.push(opened);
      return opened;
    },
  };
  return fixture;
}

/** Resolves with the task once it has reached a terminal status. */
export function finished(claudine: Claudine, id: string, timeoutMs = 30_000): Promise<Task> {
  return waitFor(
    async () => {
      const task = await claudine.get(id);
      return isTerminalStatus(task.status) ? task : undefined;
    },
    { description: `task ${id} to finish`, timeoutMs },
  );
}
