import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ClaudineError } from '@claudine/core';
import { isSameProcessAlive } from '@claudine/runner';
import type { HostRecord, SqliteTaskStore } from '@claudine/store-sqlite';
import type { DataLayout } from './data-directory.js';

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
 * file next to the sources is used, so `pnpm build` must have run.
 */
export function hostEntryPath(): string {
  const here = import.meta.url;
  const built = here.endsWith('.ts') ? new URL('../dist/host-main.js', here) : new URL('./host-main.js', here);
  return fileURLToPath(built);
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

/**
 * Makes sure a host runs for the data directory: returns the live lock holder, or starts a
 * detached one (its output goes to host.log, 0600) and waits until it holds the lock. Throws
 * with the host's own error message when it fails to start.
 */
export async function ensureHost(options: EnsureHostOptions): Promise<EnsureHostOutcome> {
  const { store, layout } = options;
  const current = await store.lockHolder();
  if (current !== undefined && isLiveHost(current, options.leaseMs)) return { started: false, host: current };
  const logFd = openSync(layout.hostLog, 'a', 0o600);
  let child: ReturnType<typeof spawn>;
  try {
    // A small young generation hands the buffers that task output flows through back to the
    // system sooner: about 10 MiB less peak memory with eight tasks flooding (BENCHMARKS.md).
    child = spawn(process.execPath, ['--max-semi-space-size=2', hostEntryPath(), '--home', layout.root, '--exit-when-idle'], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...options.environment, CLAUDINE_HOME: layout.root } as NodeJS.ProcessEnv,
    });
  } finally {
    closeSync(logFd);
  }
  let exitCode: number | null | undefined;
  child.on('exit', (code) => {
    exitCode = code;
  });
  child.on('error', () => {
    exitCode = -1;
  });
  child.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const holder = await store.lockHolder();
    if (holder !== undefined && isLiveHost(holder, options.leaseMs)) return { started: holder.pid === child.pid, host: holder };
    if (exitCode !== undefined) {
      // Lost a race with another client's host, which is fine, or failed: say why.
      const again = await store.lockHolder();
      if (again !== undefined && isLiveHost(again, options.leaseMs)) return { started: false, host: again };
      throw new ClaudineError(
        'internal',
        `The Claudine host failed to start (exit code ${exitCode}). ${lastLines(layout.hostLog)}`.trim(),
        {
          details: { hostLog: layout.hostLog },
        },
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
}

function lastLines(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return `Its log (${file}) ends with:\n${lines.slice(-5).join('\n')}`;
  } catch {
    return '';
  }
}
