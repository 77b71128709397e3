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
   * queue). Throws if the id is already queued. The queue may keep the array it is given: do not
   * change it afterwards.
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
  // Every id the queue knows (a held task, or a dependency something waits for) has a slot: an
  // index into flat arrays. Integer slots and arrays instead of maps of sets keep adding and
  // resolving 100,000 tasks with 500,000 dependencies well under a second.
  const slotOf = new Map<string, number>();
  const idOf: string[] = [];
  const entryOf: (QueueEntry | undefined)[] = [];
  /** Dependencies a held task still waits for. */
  const waitingCount: number[] = [];
  /** Slots of the held tasks waiting for this slot; undefined when none (or once completed). */
  const waitersOf: (number[] | undefined)[] = [];
  /** The ids a held task was added waiting for (for `waitingOn` and `remove`, both rare). */
  const waitedFor: (readonly string[] | undefined)[] = [];
  /** Per-slot mark of the last `add` that saw it, to drop duplicate dependencies. */
  const seenBy: number[] = [];
  const freeSlots: number[] = [];
  let addCount = 0;
  let held = 0;
  const ready = new MinHeap<QueueEntry>(compareQueueOrder);
  // Removal from the heap is lazy: stale heap items are skipped when they reach the top.
  let readyCount = 0;
  const inHeap: boolean[] = [];

  function slotFor(id: string): number {
    let slot = slotOf.get(id);
    if (slot !== undefined) return slot;
    slot = freeSlots.pop() ?? idOf.length;
    slotOf.set(id, slot);
    idOf[slot] = id;
    entryOf[slot] = undefined;
    waitingCount[slot] = 0;
    waitersOf[slot] = undefined;
    waitedFor[slot] = undefined;
    seenBy[slot] = 0;
    inHeap[slot] = false;
    return slot;
  }

  // A slot nothing refers to any more is given back, so a long-lived queue does not grow.
  function release(slot: number): void {
    if (entryOf[slot] !== undefined || waitersOf[slot] !== undefined) return;
    slotOf.delete(idOf[slot] as string);
    idOf[slot] = '';
    freeSlots.push(slot);
  }

  function makeReady(slot: number): void {
    inHeap[slot] = true;
    readyCount += 1;
    ready.push(entryOf[slot] as QueueEntry);
  }

  function dropStaleTop(): void {
    for (let top = ready.peek(); top !== undefined; top = ready.peek()) {
      const slot = slotOf.get(top.id);
      if (slot !== undefined && inHeap[slot] === true && entryOf[slot] === top) return;
      ready.pop();
    }
  }

  function detach(slot: number): void {
    const entry = entryOf[slot];
    if (entry === undefined) return;
    entryOf[slot] = undefined;
    held -= 1;
    if (inHeap[slot] === true) {
      inHeap[slot] = false;
      readyCount -= 1;
    }
  }

  return {
    get size() {
      return held;
    },
    get readyCount() {
      return readyCount;
    },
    add(entry, unmetDependencies = []) {
      const existing = slotOf.get(entry.id);
      if (existing !== undefined && entryOf[existing] !== undefined) throw new Error(`Task ${entry.id} is already queued`);
      const slot = slotFor(entry.id);
      entryOf[slot] = entry;
      held += 1;
      addCount += 1;
      seenBy[slot] = addCount;
      let count = 0;
      let duplicates = false;
      const list: readonly string[] = Array.isArray(unmetDependencies) ? unmetDependencies : [...unmetDependencies];
      for (const dependency of list) {
        const target = slotFor(dependency);
        if (seenBy[target] === addCount) {
          duplicates = true;
          continue;
        }
        seenBy[target] = addCount;
        count += 1;
        let waiters = waitersOf[target];
        if (waiters === undefined) {
          waiters = [];
          waitersOf[target] = waiters;
        }
        waiters.push(slot);
      }
      waitingCount[slot] = count;
      if (count === 0) {
        makeReady(slot);
        return;
      }
      // Kept only for `waitingOn` and `remove`; copied (without duplicates or the task itself)
      // only when the caller's array cannot serve as is, to spare an allocation per task.
      waitedFor[slot] = duplicates ? [...new Set(list)].filter((dependency) => dependency !== entry.id) : list;
    },
    complete(id) {
      const slot = slotOf.get(id);
      if (slot === undefined) return [];
      const waiters = waitersOf[slot];
      waitersOf[slot] = undefined;
      release(slot);
      if (waiters === undefined) return [];
      const nowReady: string[] = [];
      for (const waiter of waiters) {
        const left = (waitingCount[waiter] as number) - 1;
        waitingCount[waiter] = left;
        if (left > 0) continue;
        waitedFor[waiter] = undefined;
        makeReady(waiter);
        nowReady.push(idOf[waiter] as string);
      }
      return nowReady;
    },
    remove(id) {
      const slot = slotOf.get(id);
      if (slot === undefined || entryOf[slot] === undefined) return;
      detach(slot);
      for (const dependency of waitedFor[slot] ?? []) {
        const target = slotOf.get(dependency);
        const waiters = target === undefined ? undefined : waitersOf[target];
        if (target === undefined || waiters === undefined) continue;
        const at = waiters.indexOf(slot);
        if (at !== -1) waiters.splice(at, 1);
        if (waiters.length === 0) {
          waitersOf[target] = undefined;
          release(target);
        }
      }
      waitedFor[slot] = undefined;
      waitingCount[slot] = 0;
      release(slot);
    },
    peek() {
      dropStaleTop();
      return ready.peek();
    },
    pop() {
      dropStaleTop();
      const next = ready.pop();
      if (next === undefined) return undefined;
      const slot = slotOf.get(next.id) as number;
      detach(slot);
      release(slot);
      return next;
    },
    waitingOn(id) {
      const slot = slotOf.get(id);
      if (slot === undefined || entryOf[slot] === undefined) return [];
      // A dependency is still awaited while its waiters list this task (completion clears it).
      return (waitedFor[slot] ?? []).filter((dependency) => {
        const target = slotOf.get(dependency);
        return target !== undefined && (waitersOf[target]?.includes(slot) ?? false);
      });
    },
    has(id) {
      const slot = slotOf.get(id);
      return slot !== undefined && entryOf[slot] !== undefined;
    },
  };
}
