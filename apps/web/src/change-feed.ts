import { statSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminalStatus } from '@claudine/core';
import { type ChangeSignal, type Claudine, type SignalWatcher, taskTitle, watchSignals } from '@claudine/runtime';
import type { TaskFinishedEvent } from './api-types.js';

/** What the change feed tells its listeners. */
export type ChangeEvent = { readonly kind: 'changed' } | { readonly kind: 'finished'; readonly task: TaskFinishedEvent };

/** Tells the open pages that tasks changed, and which running tasks ended. */
export interface ChangeFeed {
  /** Calls `listener` on each change; returns the unsubscribe. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;
  /** Ids of the tasks running at the last look. */
  running(): readonly string[];
  close(): void;
}

/** Options for {@link createChangeFeed}. */
export interface ChangeFeedOptions {
  /** Changes closer together than this are told once (default 150 ms). */
  readonly settleMs?: number;
  /** How often the signal files are checked in case a file event was missed (default: the runtime's fallback poll). */
  readonly pollMs?: number;
  readonly onError?: (error: unknown) => void;
}

// Running tasks looked at for ends; more run at once only on very large hosts.
const RUNNING_LIMIT = 1000;
const SIGNALS: readonly ChangeSignal[] = ['changed', 'wake'];

/**
 * Learns of changes through the data directory's signals (the host sends `changed` when a task's
 * state changes; clients send `wake` when they submit or cancel), so nothing is read while
 * nothing happens: the watchers' poll only compares two file times.
 */
export function createChangeFeed(claudine: Claudine, options: ChangeFeedOptions = {}): ChangeFeed {
  const settleMs = options.settleMs ?? 150;
  const listeners = new Set<(event: ChangeEvent) => void>();
  let running = new Set<string>();
  let stamp = signalStamp(claudine.layout.signals);
  let timer: NodeJS.Timeout | undefined;
  let checking = false;
  let again = false;
  let closed = false;

  const emit = (event: ChangeEvent): void => {
    for (const listener of listeners) listener(event);
  };

  const check = async (): Promise<void> => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        const page = await claudine.list({ statuses: ['running'], limit: RUNNING_LIMIT });
        const now = new Set(page.tasks.map((task) => task.id));
        for (const id of running) {
          if (now.has(id)) continue;
          const task = await claudine.get(id).catch(() => undefined);
          if (task === undefined || !isTerminalStatus(task.status)) continue;
          emit({
            kind: 'finished',
            task: { id: task.id, title: taskTitle(task), status: task.status, failureReason: task.failureReason },
          });
        }
        running = now;
        emit({ kind: 'changed' });
      } while (again && !closed);
    } catch (error) {
      options.onError?.(error);
    } finally {
      checking = false;
    }
  };

  const onSignal = (): void => {
    const current = signalStamp(claudine.layout.signals);
    if (current === stamp || closed) return;
    stamp = current;
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void check();
    }, settleMs);
  };

  const watchers: SignalWatcher[] = SIGNALS.map((signal) => watchSignals(claudine.layout.signals, signal, onSignal, options.pollMs));
  void check();

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    running: () => [...running],
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      listeners.clear();
    },
  };
}

// The signal files' change times: a signal touches its file, so an unchanged stamp means the
// watcher's poll found nothing new.
function signalStamp(directory: string): string {
  return SIGNALS.map((signal) => {
    try {
      return String(statSync(join(directory, signal), { bigint: true }).ctimeNs);
    } catch {
      return '-';
    }
  }).join(':');
}
