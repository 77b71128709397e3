import { spawn } from 'node:child_process';
import { ClaudineError } from '@claudine/core';

/** Which stream a chunk of a setup command's output came from. */
export type SetupStream = 'stdout' | 'stderr';

/** A setup command to run in a new worktree before its agent starts. */
export interface SetupCommandRequest {
  /** A shell command line, run with `/bin/sh -c` (e.g. `pnpm install --frozen-lockfile`). */
  readonly command: string;
  /** Where it runs: the worktree's top level, normally. */
  readonly cwd: string;
  /** Its whole environment: the task's (this process's own is not passed on). */
  readonly env: Readonly<Record<string, string>>;
  /** Receives its output as it comes (the task's log). */
  readonly onOutput?: (stream: SetupStream, chunk: Buffer) => void;
  /** Stops it: SIGTERM to its process group, SIGKILL after `killGraceMs`. */
  readonly signal?: AbortSignal;
  /** How long a stopped command gets between SIGTERM and SIGKILL (default 5 s). */
  readonly killGraceMs?: number;
}

/** How a setup command ended. It succeeded when `exitCode` is 0 and it was not aborted. */
export interface SetupOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when `signal` aborted it (before or while it ran). */
  readonly aborted: boolean;
  readonly durationMs: number;
}

// Output a process left running still writes after its shell exited is read for at most this
// long; past it the pipes are closed so a daemon started by the command cannot hold the task.
const DRAIN_AFTER_EXIT_MS = 2_000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {}
}

/**
 * Runs a worktree's setup command with `/bin/sh -c` in its own process group, stdin closed,
 * handing its output to `onOutput`. When the shell exits, whatever it left running in its group
 * is killed: setup is a step before the agent, not a way to start services. Aborting sends
 * SIGTERM to the group and SIGKILL after the grace period. Throws `spawn_failed` when the shell
 * cannot be started (a missing cwd).
 */
export function runSetupCommand(request: SetupCommandRequest): Promise<SetupOutcome> {
  const started = Date.now();
  if (request.signal?.aborted === true) return Promise.resolve({ exitCode: null, signal: null, aborted: true, durationMs: 0 });
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', request.command], {
      cwd: request.cwd,
      env: { ...request.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let openStreams = 2;
    const onAbort = () => {
      if (child.pid === undefined || exit !== undefined) return;
      aborted = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      }, request.killGraceMs ?? 5_000);
    };
    const finish = () => {
      if (exit === undefined || openStreams > 0) return;
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      request.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode: exit.code, signal: exit.signal, aborted, durationMs: Date.now() - started });
    };
    for (const [name, stream] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      stream.on('data', (chunk: Buffer) => request.onOutput?.(name, chunk));
      stream.once('close', () => {
        openStreams -= 1;
        finish();
      });
    }
    child.once('error', (error) => {
      request.signal?.removeEventListener('abort', onAbort);
      reject(new ClaudineError('spawn_failed', `the setup command could not start in ${request.cwd}: ${error.message}`, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_AFTER_EXIT_MS);
      finish();
    });
    request.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
