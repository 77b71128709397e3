import { spawn } from 'node:child_process';
import { taskTitle } from '../present/graph-export.js';
import { deliverOnce } from './deliver-once.js';
import type { DeliveryOutcome, Notification, NotificationChannel } from './notification-channel.js';
import type { NotifyEventKind } from './notify-settings.js';

// notify-send returns as soon as the notification server took the message; one that hangs (a
// stuck session bus) is given up on after this long.
const NOTIFY_SEND_TIMEOUT_MS = 10_000;
const ERROR_EXCERPT_BYTES = 300;
const BODY_CHARACTERS = 200;

/** Settings of {@link createDesktopChannel}. */
export interface DesktopChannelOptions {
  readonly events: readonly NotifyEventKind[];
  /** notify-send finds the desktop session through this (DISPLAY, DBUS_SESSION_BUS_ADDRESS, PATH). */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

/**
 * Desktop notifications through `notify-send` (libnotify, found on PATH): the payload's title
 * as the summary, the task's title and outcome as the body. Where it is missing or has no
 * desktop session to talk to (a server, a container) each attempt fails quickly; it is never
 * retried.
 */
export function createDesktopChannel(options: DesktopChannelOptions): NotificationChannel {
  return {
    name: 'desktop',
    events: options.events,
    maxAttempts: 1,
    deliver(notification, signal) {
      return notifySend(options.environment, notification, signal);
    },
  };
}

function notifySend(
  environment: Readonly<Record<string, string | undefined>>,
  notification: Notification,
  signal: AbortSignal,
): Promise<DeliveryOutcome> {
  const { payload, event } = notification;
  const failed = payload.event === 'failed' || payload.event === 'timed_out' || payload.workflow?.outcome === 'failed';
  const body = `${taskTitle(event.task, BODY_CHARACTERS)}\n${payload.text}`;
  // `--` ends the options: a title that starts with a dash is still a title.
  const args = ['--app-name=Claudine', `--urgency=${failed ? 'critical' : 'normal'}`, '--', payload.title, body];
  return deliverOnce(signal, NOTIFY_SEND_TIMEOUT_MS, (settle) => {
    const child = spawn('notify-send', args, { env: { ...environment }, stdio: ['ignore', 'ignore', 'pipe'] });
    let errorText = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (errorText.length < ERROR_EXCERPT_BYTES) errorText += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle({
        ok: false,
        retry: false,
        message:
          error.code === 'ENOENT'
            ? 'notify-send is not installed (on Debian and Ubuntu: apt install libnotify-bin), or not on the PATH of the host'
            : `notify-send could not start: ${error.message}`,
      });
    });
    child.on('close', (code, exitSignal) => {
      if (code === 0) settle({ ok: true });
      else {
        const said = errorText.slice(0, ERROR_EXCERPT_BYTES).replaceAll(/\s+/g, ' ').trim();
        settle({
          ok: false,
          retry: false,
          message: `notify-send ${code === null ? `was killed by ${exitSignal ?? 'a signal'}` : `exited with code ${code}`}${said === '' ? '' : `: ${said}`} (no desktop session? DISPLAY and DBUS_SESSION_BUS_ADDRESS come from the client that started the host)`,
        });
      }
    });
    return {
      stop: () => child.kill('SIGKILL'),
      timedOut: { ok: false, retry: false, message: 'notify-send did not return (is the desktop session bus stuck?)' },
      abandoned: { ok: false, retry: false, message: 'notify-send was stopped: the host is stopping' },
    };
  });
}
