import { MinHeap } from './min-heap.js';
import { type Priority, priorityRank } from './priority.js';

/** What the queue needs to know about a task to order it. */
export interface QueueEntry {
  readonly id: string;
  readonly priority: Priority;
  /** Submission order; lower runs first within a priority. */
  readonly seq: number;
}

/**
 * The order in which ready tasks start: higher priority first, then first submitted first.
 * Negative when `left` runs before `right`. Every store must claim in this order.
 */
export function compareQueueOrder(left: QueueEntry, right: QueueEntry): number {
  return priorityRank(left.priority) - priorityRank(right.priority) || left.seq - right.seq;
}

/**
 * A dependency-aware priority queue: tasks wait until every dependency they were added with has
 * completed, then are handed out by {@link compareQueueOrder}. Completing a task costs time in
 * proportion to its number of dependents, never a rescan of the queue.
 */
export interface TaskQueue {
  /** Number of tasks held, ready or waiting. */
  readonly size: number;
  /** Number of tasks ready to start. */
  readonly readyCount: number;
  /**
   * Adds a task that waits on `unmetDependencies` (ids not yet completed; they need not be in the
   * queue). Throws if the id is already queued.
   */
  add(entry: QueueEntry, unmetDependencies?: Iterable<string>): void;
  /** Records that `id` completed; returns the ids that became ready because of it. */
  complete(id: string): string[];
  /** Removes a task (cancelled, failed, or claimed elsewhere). Unknown ids are ignored. */
  remove(id: string): void;
  /** The next ready task without removing it. */
  peek(): QueueEntry | undefined;
  /** Removes and returns the next ready task. */
  pop(): QueueEntry | undefined;
  /** The dependencies `id` still waits on (empty when ready or unknown). */
  waitingOn(id: string): string[];
  /** True when `id` is held by the queue. */
  has(id: string): boolean;
}

/** Creates an empty {@link TaskQueue}. */
export function createTaskQueue(): TaskQueue {
  const entries = new Map<string, QueueEntry>();
  const unmet = new Map<string, Set<string>>();
  const dependents = new Map<string, Set<string>>();
  const ready = new MinHeap<QueueEntry>(compareQueueOrder);
  // Removal from the heap is lazy: stale heap items are skipped when they reach the top.
  const inHeap = new Set<string>();

  function dropStaleTop(): void {
    for (let top = ready.peek(); top !== undefined; top = ready.peek()) {
      if (inHeap.has(top.id) && entries.get(top.id) === top) return;
      ready.pop();
    }
  }

  function makeReady(entry: QueueEntry): void {
    inHeap.add(entry.id);
    ready.push(entry);
  }

  return {
    get size() {
      return entries.size;
    },
    get readyCount() {
      return inHeap.size;
    },
    add(entry, unmetDependencies = []) {
      if (entries.has(entry.id)) throw new Error(`Task ${entry.id} is already queued`);
      entries.set(entry.id, entry);
      const waiting = new Set(unmetDependencies);
      waiting.delete(entry.id);
      if (waiting.size === 0) {
        makeReady(entry);
        return;
      }
      unmet.set(entry.id, waiting);
      for (const dependency of waiting) {
        let set = dependents.get(dependency);
        if (set === undefined) {
          set = new Set();
          dependents.set(dependency, set);
        }
        set.add(entry.id);
      }
    },
    complete(id) {
      const waiters = dependents.get(id);
      dependents.delete(id);
      if (waiters === undefined) return [];
      const nowReady: string[] = [];
      for (const waiter of waiters) {
        const waiting = unmet.get(waiter);
        if (waiting === undefined) continue;
        waiting.delete(id);
        if (waiting.size > 0) continue;
        unmet.delete(waiter);
        const entry = entries.get(waiter);
        if (entry === undefined) continue;
        makeReady(entry);
        nowReady.push(waiter);
      }
      return nowReady;
    },
    remove(id) {
      if (!entries.delete(id)) return;
      inHeap.delete(id);
      const waiting = unmet.get(id);
      unmet.delete(id);
      if (waiting === undefined) return;
      for (const dependency of waiting) {
        const set = dependents.get(dependency);
        set?.delete(id);
        if (set?.size === 0) dependents.delete(dependency);
      }
    },
    peek() {
      dropStaleTop();
      return ready.peek();
    },
    pop() {
      dropStaleTop();
      const next = ready.pop();
      if (next === undefined) return undefined;
      inHeap.delete(next.id);
      entries.delete(next.id);
      return next;
    },
    waitingOn(id) {
      return [...(unmet.get(id) ?? [])];
    },
    has(id) {
      return entries.has(id);
    },
  };
}
