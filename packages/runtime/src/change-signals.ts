import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANGE_POLL_MS, watchChanges } from './watch-changes.js';

/** The signals processes send each other through the data directory. */
export type ChangeSignal =
  /** A client wrote something the host should act on (a new task, a cancel request). */
  | 'wake'
  /** The host changed a task's state (clients waiting for a task re-read it). */
  | 'changed';

/**
 * Touches a signal file so that watchers in other processes wake at once (inotify, FSEvents).
 * Best effort: watchers also poll, so a lost signal only costs latency.
 */
export function sendSignal(signalsDirectory: string, signal: ChangeSignal): void {
  const path = join(signalsDirectory, signal);
  const now = new Date();
  try {
    // Touching the times is one system call and still wakes watchers (inotify IN_ATTRIB).
    utimesSync(path, now, now);
  } catch {
    try {
      writeFileSync(path, '', { mode: 0o600 });
    } catch {
      // The poll fallback covers it.
    }
  }
}

/**
 * A {@link sendSignal} that sends at most one signal per `intervalMs`, the last one trailing: a
 * burst of state changes wakes watchers promptly without a file operation per change.
 */
export function createThrottledSignal(signalsDirectory: string, signal: ChangeSignal, intervalMs = 20): () => void {
  let timer: NodeJS.Timeout | undefined;
  let lastSent = 0;
  return () => {
    if (timer !== undefined) return;
    const wait = lastSent + intervalMs - Date.now();
    if (wait <= 0) {
      lastSent = Date.now();
      sendSignal(signalsDirectory, signal);
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      lastSent = Date.now();
      sendSignal(signalsDirectory, signal);
    }, wait);
  };
}

/** Stops a {@link watchSignals} watcher. */
export interface SignalWatcher {
  close(): void;
}

/**
 * Calls `listener` when `signal` is sent, and every `pollMs` (default {@link CHANGE_POLL_MS};
 * `false`: never) in case a file event was missed. See {@link watchChanges}.
 */
export function watchSignals(
  signalsDirectory: string,
  signal: ChangeSignal,
  listener: () => void,
  pollMs: number | false = CHANGE_POLL_MS,
): SignalWatcher {
  return watchChanges(signalsDirectory, listener, { names: [signal], pollMs });
}
