import { type FSWatcher, utimesSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
 * Calls `listener` when `signal` is sent, and at least every `pollMs` in case a file event was
 * missed (network file systems, overflowing event queues).
 */
export function watchSignals(signalsDirectory: string, signal: ChangeSignal, listener: () => void, pollMs = 1000): SignalWatcher {
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(signalsDirectory, { persistent: false }, (_event, filename) => {
      if (filename === null || filename === signal) listener();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  // The interval keeps the process alive while someone waits; close() releases it.
  const timer = setInterval(listener, pollMs);
  return {
    close() {
      watcher?.close();
      clearInterval(timer);
    },
  };
}
