import { type BackoffPolicy, retryDelay } from '@claudine/core';
import type { Notification, NotificationChannel } from './notification-channel.js';

/** Settings and listeners of {@link createDeliveryQueue}. */
export interface DeliveryQueueOptions {
  readonly channel: NotificationChannel;
  /** Most notifications waiting; when full, the oldest waiting one is dropped for the new one. */
  readonly capacity: number;
  /** Delays between attempts: doubling from the base, capped, with jitter. */
  readonly backoff: BackoffPolicy;
  /** Randomness of the jitter, in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
  /** Waits `ms` or until `signal` aborts (default: a timer that never keeps the process alive). */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly onDelivered?: (notification: Notification, attempts: number) => void;
  /** An attempt failed and another comes after `delayMs`. */
  readonly onRetry?: (notification: Notification, message: string, attempt: number, delayMs: number) => void;
  /** The notification is given up on: it failed for good, or its last attempt did. */
  readonly onFailed?: (notification: Notification, message: string, attempts: number) => void;
  /** A notification was dropped unsent (the queue was full, or the host stopped); `total` counts them all. */
  readonly onDropped?: (notification: Notification, reason: 'full' | 'stopped', total: number) => void;
}

/**
 * One channel's notifications, delivered one at a time in order, each retried with backoff as
 * the channel allows. Everything here is asynchronous and bounded: {@link DeliveryQueue.push}
 * returns at once whatever the channel is doing, memory is bounded by the capacity, and a
 * channel that hangs delays only its own queue.
 */
export interface DeliveryQueue {
  /** Queues a notification; never blocks and never throws. */
  push(notification: Notification): void;
  /** Notifications queued or being delivered. */
  readonly pending: number;
  /** Notifications dropped unsent so far. */
  readonly dropped: number;
  /**
   * Lets what is queued go out for up to `graceMs`, then abandons the rest (aborting the attempt
   * in flight); resolves once nothing runs. Pushes after this are dropped.
   */
  stop(graceMs: number): Promise<void>;
}

/** Creates a {@link DeliveryQueue}. */
export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  const { channel } = options;
  const random = options.random ?? Math.random;
  const wait = options.wait ?? waitUnref;
  const queue: Notification[] = [];
  const controller = new AbortController();
  let inFlight = false;
  let stopping = false;
  let dropped = 0;
  let worker: Promise<void> | undefined;

  const drop = (notification: Notification, reason: 'full' | 'stopped'): void => {
    dropped += 1;
    safely(() => options.onDropped?.(notification, reason, dropped));
  };

  async function deliverOne(notification: Notification): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      let outcome: Awaited<ReturnType<NotificationChannel['deliver']>>;
      try {
        outcome = await channel.deliver(notification, controller.signal);
      } catch (error) {
        // Channels report failures as outcomes; a throw is a bug, and still no reason to stop.
        outcome = { ok: false, retry: false, message: `${channel.name} failed unexpectedly: ${(error as Error).message}` };
      }
      if (outcome.ok) {
        safely(() => options.onDelivered?.(notification, attempt));
        return;
      }
      if (controller.signal.aborted) {
        drop(notification, 'stopped');
        return;
      }
      if (!outcome.retry || attempt >= channel.maxAttempts) {
        safely(() => options.onFailed?.(notification, outcome.message, attempt));
        return;
      }
      const backoff = retryDelay(attempt, options.backoff, random);
      const delayMs = Math.min(options.backoff.maxDelayMs, Math.max(backoff, outcome.retryAfterMs ?? 0));
      safely(() => options.onRetry?.(notification, outcome.message, attempt, delayMs));
      await wait(delayMs, controller.signal);
      if (controller.signal.aborted) {
        drop(notification, 'stopped');
        return;
      }
    }
  }

  // `working` changes in the same synchronous step that finds the queue empty, so a push can
  // never land between the end of a worker and the start of the next.
  let working = false;
  async function work(): Promise<void> {
    try {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (controller.signal.aborted) {
          drop(next, 'stopped');
          continue;
        }
        inFlight = true;
        try {
          await deliverOne(next);
        } finally {
          inFlight = false;
        }
      }
    } finally {
      working = false;
    }
  }

  return {
    push(notification) {
      if (stopping) {
        drop(notification, 'stopped');
        return;
      }
      // The newest news is worth the most: a full queue gives up its oldest waiting item.
      if (queue.length >= options.capacity) {
        const oldest = queue.shift();
        if (oldest !== undefined) drop(oldest, 'full');
      }
      queue.push(notification);
      if (!working) {
        working = true;
        worker = work();
      }
    },
    get pending() {
      return queue.length + (inFlight ? 1 : 0);
    },
    get dropped() {
      return dropped;
    },
    async stop(graceMs) {
      stopping = true;
      if (working && worker !== undefined) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([worker, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
      }
      controller.abort();
      await worker;
    },
  };
}

function waitUnref(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}

// A listener's failure must not stop the queue.
function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Nothing to do: listeners only log and count.
  }
}
