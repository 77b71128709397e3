import { isClaudineError, type Task } from '@claudine/core';
import { type Claudine, coalesced, type SignalWatcher, watchSignals } from '@claudine/runtime';

/** Called with a followed task when something a client cares about changed (see {@link sameState}). */
export type TaskChangeListener = (task: Task, previous: Task) => void;

/** Stops following; idempotent. */
export type Unfollow = () => void;

/**
 * One process-wide watch over the tasks clients of this server follow: tasks a session
 * delegated (to notify it when they end), tasks a tool call waits for, task logs a client
 * subscribed to. It re-reads only the followed tasks, only when a host signals a change, and
 * watches nothing at all while nobody follows anything.
 */
export interface TaskWatch {
  /**
   * Calls `listener` whenever one of `tasks` changes state, attempt or timeout warning, compared
   * with the version given here (so a change that happened before the first re-read is still
   * seen). A task that disappears (pruned) is dropped silently.
   */
  follow(tasks: readonly Task[], listener: TaskChangeListener): Unfollow;
  /** Re-reads the followed tasks now (after this process changed one itself). */
  refresh(): void;
  /** True while anything is followed (and the data directory's signals are watched). */
  following(): boolean;
  close(): void;
}

interface Follower {
  readonly seen: Map<string, Task>;
  readonly listener: TaskChangeListener;
}

/** Creates the {@link TaskWatch} over an open client. */
export function createTaskWatch(claudine: Claudine, options: { pollMs?: number; onError?: (error: unknown) => void } = {}): TaskWatch {
  const followers = new Set<Follower>();
  let watchers: SignalWatcher[] = [];
  let closed = false;

  // Bursts of signals while a read runs make one more read, never overlapping ones.
  const refresh = coalesced(() => readOnce(), { stopped: () => closed, onError: (error) => options.onError?.(error) });

  const readOnce = async (): Promise<void> => {
    const ids = new Set<string>();
    for (const follower of followers) for (const id of follower.seen.keys()) ids.add(id);
    const current = new Map<string, Task | undefined>();
    for (const id of ids) {
      try {
        current.set(id, await claudine.get(id));
      } catch (error) {
        if (!isClaudineError(error) || error.code !== 'not_found') throw error;
        current.set(id, undefined);
      }
    }
    for (const follower of [...followers]) {
      for (const [id, previous] of [...follower.seen]) {
        if (!current.has(id)) continue;
        const task = current.get(id);
        if (task === undefined) {
          follower.seen.delete(id);
          continue;
        }
        if (sameState(task, previous)) continue;
        follower.seen.set(id, task);
        try {
          follower.listener(task, previous);
        } catch (error) {
          options.onError?.(error);
        }
      }
    }
    // Tasks pruned meanwhile may have left nothing to follow.
    update();
  };

  const update = (): void => {
    const wanted = !closed && [...followers].some((follower) => follower.seen.size > 0);
    if (wanted && watchers.length === 0) {
      // The host touches signals/changed after every state change, and clients touch
      // signals/wake after theirs (a cancel, a retry), so the runtime's fallback poll only covers
      // a missed file event: rare, and nothing is watched while nothing is followed.
      watchers = [
        watchSignals(claudine.layout.signals, 'changed', refresh, options.pollMs),
        // A client's change (a queued task cancelled, with the dependents that fail with it) has
        // no host event: its wake signal tells. The poll above already covers both.
        watchSignals(claudine.layout.signals, 'wake', refresh, false),
      ];
    }
    if (!wanted && watchers.length > 0) {
      for (const watcher of watchers) watcher.close();
      watchers = [];
    }
  };

  return {
    following: () => watchers.length > 0,
    follow(tasks, listener) {
      const follower: Follower = { seen: new Map(tasks.map((task) => [task.id, task])), listener };
      followers.add(follower);
      update();
      // The task may have changed between the caller's read and this watch starting.
      refresh();
      return () => {
        followers.delete(follower);
        update();
      };
    },
    refresh,
    close() {
      closed = true;
      followers.clear();
      update();
    },
  };
}

/** False when a client would want to hear about the difference between two versions of a task. */
export function sameState(task: Task, previous: Task): boolean {
  return (
    task.status === previous.status &&
    task.attempt === previous.attempt &&
    task.warnedAt === previous.warnedAt &&
    task.blockedBy.length === previous.blockedBy.length &&
    task.cancelRequestedAt === previous.cancelRequestedAt &&
    task.finishedAt === previous.finishedAt
  );
}
