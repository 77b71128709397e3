import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ClaudineError } from '@claudine/core';
import { isSameProcessAlive } from '@claudine/runner';
import type { HostRecord, SqliteTaskStore } from '@claudine/store-sqlite';
import type { DataLayout } from '../config/data-directory.js';

/** How {@link ensureHost} found or started the host. */
export type EnsureHostOutcome = { readonly started: boolean; readonly host: HostRecord };

/** True when `host` is a live process on this machine (or heartbeating from another). */
export function isLiveHost(host: HostRecord, leaseMs: number): boolean {
  if (host.stoppedAt !== null) return false;
  if (host.hostname === hostname()) return isSameProcessAlive({ pid: host.pid, startTime: host.pidStartTime });
  return Date.now() - host.heartbeatAt < leaseMs;
}

/**
 * The script a detached host runs. From source (tests run TypeScript through vitest) the built
 * file next to the sources is used, so `pnpm build` must have run. An app's bundle carries its
 * own bundled host beside it (`bundle/host-main.js`), which is used when present.
 */
export function hostEntryPath(): string {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return fileURLToPath(new URL('../../dist/host/host-main.js', here));
  const bundled = new URL('./host-main.js', here);
  return fileURLToPath(existsSync(bundled) ? bundled : new URL('../host/host-main.js', here));
}

/** Options for {@link ensureHost}. */
export interface EnsureHostOptions {
  readonly store: SqliteTaskStore;
  readonly layout: DataLayout;
  readonly leaseMs: number;
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Give up waiting for a new host after this long (default 10 s). */
  readonly timeoutMs?: number;
}

// How much of a failing host's stderr is kept for the error (its message and, for a crash, a stack).
const MAX_ERROR_TEXT = 16 * 1024;
// After a failed host exits, how long to wait for the rest of its stderr.
const STDERR_CLOSE_WAIT_MS = 500;

/**
 * Makes sure a host runs for the data directory: returns the live lock holder, or starts a
 * detached one (it logs to host.log, 0600, rotated) and waits until it holds the lock. A host
 * that fails to start says why on its stderr, which this reads: the error thrown quotes that
 * host's own message, never older lines of host.log (and works on a disk too full for a log).
 */
export async function ensureHost(options: EnsureHostOptions): Promise<EnsureHostOutcome> {
  const { store, layout } = options;
  const current = await store.lockHolder();
  if (current !== undefined && isLiveHost(current, options.leaseMs)) return { started: false, host: current };
  // A small young generation hands the buffers that task output flows through back to the
  // system sooner, which lowers the host's peak memory while tasks flood it (BENCHMARKS.md).
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=2', hostEntryPath(), '--home', layout.root, '--exit-when-idle', '--log-file', layout.hostLog],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...options.environment, CLAUDINE_HOME: layout.root } as NodeJS.ProcessEnv,
    },
  );
  let errorText = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (errorText.length < MAX_ERROR_TEXT) errorText += chunk.slice(0, MAX_ERROR_TEXT - errorText.length);
  });
  const stderrClosed = new Promise<void>((resolve) => {
    if (child.stderr === null) resolve();
    else child.stderr.once('close', () => resolve());
  });
  let exitCode: number | null | undefined;
  let spawnError: string | undefined;
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal === null ? null : -1);
  });
  child.on('error', (error) => {
    spawnError = error.message;
    exitCode = -1;
  });
  // The client may exit while the host runs on: neither the process nor its pipe holds it.
  const letGo = (): void => {
    child.stderr?.destroy();
    child.unref();
  };
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  try {
    for (;;) {
      const holder = await store.lockHolder();
      if (holder !== undefined && isLiveHost(holder, options.leaseMs)) return { started: holder.pid === child.pid, host: holder };
      if (exitCode !== undefined) {
        // Lost a race with another client's host, which is fine, or failed: say why.
        const again = await store.lockHolder();
        if (again !== undefined && isLiveHost(again, options.leaseMs)) return { started: false, host: again };
        await Promise.race([stderrClosed, new Promise((resolve) => setTimeout(resolve, STDERR_CLOSE_WAIT_MS))]);
        const said = (spawnError ?? errorText).trim();
        throw new ClaudineError(
          'internal',
          `The Claudine host failed to start (exit code ${exitCode}): ${said === '' ? `it gave no reason; see ${layout.hostLog}.` : said}`,
          { details: { hostLog: layout.hostLog, exitCode, hostError: said } },
        );
      }
      if (Date.now() > deadline) {
        throw new ClaudineError(
          'internal',
          `The Claudine host did not start within ${options.timeoutMs ?? 10_000} ms. See ${layout.hostLog}.`,
          {
            details: { hostLog: layout.hostLog },
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    letGo();
  }
}
