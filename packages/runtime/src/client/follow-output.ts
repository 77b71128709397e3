import { isTerminalStatus, type OutputDamage, type OutputSlice, type Task } from '@claudine/core';
import { watchSignals } from '../change-signals.js';
import { coalesced } from '../coalesced.js';
import type { DataLayout } from '../config/data-directory.js';
import { watchTaskLog } from './watch-task-log.js';

/** What {@link followTaskOutput} needs from the client that follows. */
export interface FollowSource<Item> {
  readonly layout: DataLayout;
  /** The task as stored now; throws `not_found`. */
  getTask(id: string): Promise<Task>;
  /**
   * One slice of the log from `offset` (the output store's `read` or `readBytes`). The next
   * slice is asked for while the last one is being delivered: a reader into reused buffers needs
   * two, used in turn.
   */
  readSlice(offset: number): Promise<OutputSlice<Item>>;
  /** Called now and then while the task is unfinished: starts a host if none runs. */
  checkHost?(): Promise<void>;
}

/** Options for {@link followTaskOutput}. */
export interface FollowTaskOutputOptions {
  /** Start here (default: the beginning). */
  readonly offset?: number;
  /** Stop following: what was delivered stays delivered; the task is returned as it is. */
  readonly signal?: AbortSignal;
  /** Told once about each missing or damaged part of the log that was skipped. */
  readonly onDamage?: (damage: OutputDamage) => void;
  /**
   * Deliver what is stored now and stop, without waiting for the task to finish (`claudine logs`
   * without `--follow`).
   */
  readonly stopAtEnd?: boolean;
}

// A host that died while we followed is replaced at most this often.
const HOST_CHECK_MS = 2000;

/**
 * Delivers a task's output as it arrives (the log directory is watched, and the task's state
 * polled as a fallback) until the task is finished and all its output delivered. The next slice
 * is read only once `deliver` has settled, so a slow consumer (a pipe nobody drains) holds the
 * reading back instead of letting output pile up in memory.
 */
export async function followTaskOutput<Item>(
  id: string,
  source: FollowSource<Item>,
  deliver: (items: readonly Item[]) => void | Promise<void>,
  options: FollowTaskOutputOptions = {},
): Promise<Task> {
  let offset = options.offset ?? 0;
  const reported = new Set<string>();
  const aborted = (): boolean => options.signal?.aborted === true;
  // Each slice is read while the one before is being delivered (its bytes are not touched until
  // the read after this one), so reading and writing overlap.
  const drain = async (): Promise<void> => {
    let pending: Promise<OutputSlice<Item>> | undefined = source.readSlice(offset);
    while (pending !== undefined) {
      const slice: OutputSlice<Item> = await pending;
      for (const damage of slice.damage ?? []) {
        const key = `${damage.file}:${damage.from}`;
        if (reported.has(key)) continue;
        reported.add(key);
        options.onDamage?.(damage);
      }
      pending = slice.atEnd || aborted() ? undefined : source.readSlice(slice.nextOffset);
      // Should delivering fail, the read ahead is not waited for: its failure is no news.
      pending?.catch(() => undefined);
      if (slice.records.length > 0) await deliver(slice.records);
      offset = slice.nextOffset;
    }
  };
  let task = await source.getTask(id);
  if (isTerminalStatus(task.status) || aborted() || options.stopAtEnd === true) {
    await drain();
    return task;
  }
  return await new Promise<Task>((resolvePromise, reject) => {
    let settled = false;
    let lastHostCheck = Date.now();
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      logWatcher.close();
      statusWatcher.close();
      options.signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolvePromise(task);
      else reject(error);
    };
    // The state is read before the output: a task seen finished has all its output on disk, so
    // this drain is the last one needed.
    const pump = coalesced(
      async () => {
        task = await source.getTask(id);
        logWatcher.retry();
        await drain();
        if (isTerminalStatus(task.status) || aborted()) return finish();
        if (source.checkHost !== undefined && Date.now() - lastHostCheck > HOST_CHECK_MS) {
          lastHostCheck = Date.now();
          await source.checkHost();
        }
      },
      { stopped: () => settled, onError: finish },
    );
    const onAbort = (): void => pump();
    const logWatcher = watchTaskLog(source.layout, id, pump);
    const statusWatcher = watchSignals(source.layout.signals, 'changed', pump);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    pump();
  });
}
