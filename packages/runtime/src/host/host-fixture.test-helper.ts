import { isTerminalStatus, type Task } from '@claudine/core';
import { fakeClaudePath, useTestDirectories, waitFor } from '@claudine/test-utils';
import { afterEach } from 'vitest';
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
  const dirs = useTestDirectories();
  const hosts: Host[] = [];
  const clients: Claudine[] = [];
  afterEach(async () => {
    for (const started of hosts.splice(0)) await started.stop();
    for (const opened of clients.splice(0)) opened.close();
  });
  const fixture: HostFixture = {
    get root() {
      return dirs.root;
    },
    get home() {
      return dirs.home;
    },
    get workdir() {
      return dirs.workdir;
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
