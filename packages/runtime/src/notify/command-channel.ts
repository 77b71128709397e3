import { spawn } from 'node:child_process';
import { formatDuration } from '@claudine/core';
import type { DeliveryOutcome, Notification, NotificationChannel } from './notification-channel.js';
import type { NotifyEventKind } from './notify-settings.js';

// What of a hook's output goes to the host log, per run: enough for an error message, never a
// flood from a hook that prints without end.
const MAX_LOGGED_OUTPUT_BYTES = 4096;
// After the hook exits, how long its output pipes may stay open (held by a process it left in
// the background) before they are closed on it.
const PIPE_CLOSE_GRACE_MS = 1000;

/** Settings of {@link createCommandChannel}. */
export interface CommandChannelOptions {
  /** The shell command (`notify.command`). */
  readonly command: string;
  /** The shell that runs it (`agents.command.shell`). */
  readonly shell: string;
  readonly events: readonly NotifyEventKind[];
  /** After this long its process group is killed (SIGKILL). */
  readonly timeoutMs: number;
  /** Where it runs. */
  readonly cwd: string;
  /** Its environment, to which the event's variables are added. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Where its output goes, a line at a time. */
  readonly log: (line: string) => void;
}

/**
 * The command hook: for each notification, `<shell> -c <command>` in a process group of its
 * own, the payload as JSON on its stdin, and `CLAUDINE_EVENT`, `CLAUDINE_TASK_ID`,
 * `CLAUDINE_TASK_STATUS` (and `CLAUDINE_WORKFLOW_ID` for a workflow) in its environment. Its
 * stdout and stderr go to the host log (the first few KiB of each run). Exit code 0 is success;
 * a hook is never retried. At the timeout its whole process group is killed.
 */
export function createCommandChannel(options: CommandChannelOptions): NotificationChannel {
  return {
    name: 'command',
    events: options.events,
    maxAttempts: 1,
    deliver(notification, signal) {
      return runHook(options, notification, signal);
    },
  };
}

function runHook(options: CommandChannelOptions, notification: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
  const { payload } = notification;
  return new Promise<DeliveryOutcome>((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(options.shell, ['-c', options.command], {
        cwd: options.cwd,
        env: {
          ...options.environment,
          CLAUDINE_EVENT: payload.event,
          CLAUDINE_TASK_ID: payload.task.id,
          CLAUDINE_TASK_STATUS: payload.task.status,
          ...(payload.workflow === null ? {} : { CLAUDINE_WORKFLOW_ID: payload.workflow.id }),
        },
        // Its own process group, so that the timeout kills whatever it started too.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      resolve({ ok: false, retry: false, message: `the notify command could not start: ${(error as Error).message}` });
      return;
    }
    let settled = false;
    let stopped: 'timeout' | 'abort' | undefined;
    let spawnError: Error | undefined;
    const output: Buffer[] = [];
    let kept = 0;
    let dropped = 0;
    const keep = (chunk: Buffer): void => {
      const room = MAX_LOGGED_OUTPUT_BYTES - kept;
      if (room > 0) {
        output.push(chunk.subarray(0, room));
        kept += Math.min(room, chunk.length);
      }
      dropped += Math.max(0, chunk.length - Math.max(0, room));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A hook that does not read its stdin closes it early: EPIPE is no failure of ours.
    child.stdin?.on('error', () => {});
    child.stdin?.end(notification.body);

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      stopped = 'timeout';
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => {
      stopped ??= 'abort';
      killGroup();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();

    let closeTimer: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      // A process the hook left behind may hold its pipes open: stop listening after a while.
      closeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_CLOSE_GRACE_MS);
    });
    child.on('error', (error) => {
      spawnError = error;
      // No process started, so no close event may follow.
      finish(null, null);
    });
    child.on('close', (code, exitSignal) => finish(code, exitSignal));

    function finish(code: number | null, exitSignal: NodeJS.Signals | null): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(closeTimer);
      signal.removeEventListener('abort', onAbort);
      logOutput(options.log, payload.task.id, Buffer.concat(output).toString('utf8'), dropped);
      if (spawnError !== undefined) {
        resolve({ ok: false, retry: false, message: `the notify command could not start: ${spawnError.message}` });
      } else if (stopped === 'timeout') {
        resolve({
          ok: false,
          retry: false,
          message: `the notify command did not finish within ${formatDuration(options.timeoutMs)} (notify.commandTimeout): its process group was killed`,
        });
      } else if (stopped === 'abort') {
        resolve({ ok: false, retry: false, message: 'the notify command was killed: the host is stopping' });
      } else if (code === 0) resolve({ ok: true });
      else {
        resolve({
          ok: false,
          retry: false,
          message:
            code !== null ? `the notify command exited with code ${code}` : `the notify command was killed by ${exitSignal ?? 'a signal'}`,
        });
      }
    }
  });
}

function logOutput(log: (line: string) => void, taskId: string, text: string, dropped: number): void {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  for (const line of lines) log(`notify command (task ${taskId}): ${line}`);
  if (dropped > 0) log(`notify command (task ${taskId}): ${dropped} more bytes of output not logged`);
}
