// Waiting for a task to finish: re-read whenever the host signals a change (and at least once
// a second), replacing a host that died meanwhile so that its recovery ends the task.
import { isTerminalStatus, type Task } from '@claudine/core';
import { watchSignals } from '../change-signals.js';
import type { DataLayout } from '../config/data-directory.js';
import type { WaitOptions } from './claudine.js';

// How often a wait checks that a host still runs the task.
const HOST_CHECK_INTERVAL_MS = 2000;

/** What {@link waitForTask} reads and does. */
export interface WaitDependencies {
  readonly layout: DataLayout;
  readonly get: (id: string) => Promise<Task>;
  /** Starts a host if none runs (absent: the wait never starts one). */
  readonly checkHost?: () => Promise<void>;
}

/** Resolves when the task is finished (or the wait times out / is aborted: then as it is). */
export async function waitForTask(id: string, dependencies: WaitDependencies, options: WaitOptions = {}): Promise<Task> {
  const { layout, get, checkHost } = dependencies;
  let task = await get(id);
  if (isTerminalStatus(task.status)) return task;
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  return await new Promise<Task>((resolvePromise, reject) => {
    let checking = false;
    let lastHostCheck = Date.now();
    const finish = (value: Task): void => {
      watcher.close();
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolvePromise(value);
    };
    const check = (): void => {
      if (checking) return;
      checking = true;
      void (async () => {
        try {
          task = await get(id);
          options.onUpdate?.(task);
          if (isTerminalStatus(task.status) || Date.now() >= deadline) return finish(task);
          if (checkHost !== undefined && Date.now() - lastHostCheck > HOST_CHECK_INTERVAL_MS) {
            lastHostCheck = Date.now();
            await checkHost();
          }
        } catch (error) {
          watcher.close();
          clearTimeout(timer);
          reject(error);
        } finally {
          checking = false;
        }
      })();
    };
    const onAbort = (): void => finish(task);
    const watcher = watchSignals(layout.signals, 'changed', check);
    const timer = setTimeout(check, Number.isFinite(deadline) ? Math.max(0, deadline - Date.now()) : 2 ** 31 - 1);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
