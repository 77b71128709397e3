import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { createDeliveryQueue, type DeliveryQueueOptions } from './delivery-queue.js';
import { failedTask, notificationOf } from './notification.test-helper.js';
import type { DeliveryOutcome, Notification, NotificationChannel } from './notification-channel.js';

// A channel whose answers the test scripts, one per attempt; it records what it was given.
function scriptedChannel(answers: Array<DeliveryOutcome | 'hang'>, maxAttempts = 5) {
  const attempts: string[] = [];
  const channel: NotificationChannel = {
    name: 'webhook',
    events: ['failed'],
    maxAttempts,
    deliver(notification, signal) {
      attempts.push(notification.id);
      const answer = answers.shift() ?? { ok: true };
      if (answer !== 'hang') return Promise.resolve(answer);
      return new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve({ ok: false, retry: false, message: 'abandoned' }), { once: true }),
      );
    },
  };
  return { channel, attempts };
}

const notification = (id: string): Notification => notificationOf(failedTask(), id);
const fail = (retry: boolean, retryAfterMs?: number): DeliveryOutcome => ({
  ok: false,
  retry,
  message: retry ? 'HTTP 500' : 'HTTP 404',
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

function queueOf(channel: NotificationChannel, options: Partial<DeliveryQueueOptions> = {}) {
  const events: string[] = [];
  const delays: number[] = [];
  const queue = createDeliveryQueue({
    channel,
    capacity: 10,
    backoff: { baseDelayMs: 1000, maxDelayMs: 60_000 },
    random: () => 0.999_999,
    // Backoff is recorded, not waited for: the test is about the order of things.
    wait: async (ms) => {
      delays.push(ms);
    },
    onDelivered: (item, attempts) => events.push(`delivered ${item.id} after ${attempts}`),
    onFailed: (item, message, attempts) => events.push(`failed ${item.id} after ${attempts}: ${message}`),
    onDropped: (item, reason, total) => events.push(`dropped ${item.id} (${reason}, ${total})`),
    ...options,
  });
  return { queue, events, delays };
}

describe('the delivery queue', () => {
  it('retries what may pass with doubling delays, up to the channel attempts, in order', async () => {
    const { channel, attempts } = scriptedChannel([fail(true), fail(true), { ok: true }, fail(true), fail(true), fail(true)], 3);
    const { queue, events, delays } = queueOf(channel);
    queue.push(notification('a'));
    queue.push(notification('b'));
    await waitFor(() => events.length === 2);
    expect(attempts).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    expect(events).toEqual(['delivered a after 3', 'failed b after 3: HTTP 500']);
    expect(delays).toEqual([1000, 2000, 1000, 2000]);
    expect(queue.pending).toBe(0);
  });

  it('does not retry what will not pass, and waits as long as the receiver asks, within the cap', async () => {
    const { channel, attempts } = scriptedChannel([fail(false), fail(true, 30_000), fail(true, 3_600_000)]);
    const { queue, events, delays } = queueOf(channel);
    queue.push(notification('a'));
    queue.push(notification('b'));
    await waitFor(() => events.length === 2);
    expect(attempts).toEqual(['a', 'b', 'b', 'b']);
    expect(events[0]).toBe('failed a after 1: HTTP 404');
    expect(delays).toEqual([30_000, 60_000]);
  });

  it('returns from push at once while the channel hangs, and drops the oldest waiting when full', async () => {
    const { channel } = scriptedChannel(['hang']);
    const { queue, events } = queueOf(channel, { capacity: 2 });
    const started = Date.now();
    for (const id of ['a', 'b', 'c', 'd']) queue.push(notification(id));
    expect(Date.now() - started).toBeLessThan(100);
    // a hangs in flight; b, c waited; d pushed b out, then c... the queue keeps the newest two.
    expect(events).toEqual(['dropped b (full, 1)']);
    expect(queue.pending).toBe(3);
    expect(queue.dropped).toBe(1);
    await queue.stop(50);
    expect(events).toEqual(['dropped b (full, 1)', 'dropped a (stopped, 2)', 'dropped c (stopped, 3)', 'dropped d (stopped, 4)']);
    queue.push(notification('e'));
    expect(events.at(-1)).toBe('dropped e (stopped, 5)');
  });

  it('lets what is queued go out when it stops, if it can within the grace period', async () => {
    const { channel } = scriptedChannel([]);
    const { queue, events } = queueOf(channel);
    queue.push(notification('a'));
    queue.push(notification('b'));
    await queue.stop(5000);
    expect(events).toEqual(['delivered a after 1', 'delivered b after 1']);
  });

  it('survives a channel that throws and listeners that throw', async () => {
    const channel: NotificationChannel = {
      name: 'command',
      events: ['failed'],
      maxAttempts: 1,
      deliver: () => {
        throw new Error('bug');
      },
    };
    const failures: string[] = [];
    const queue = createDeliveryQueue({
      channel,
      capacity: 10,
      backoff: { baseDelayMs: 1, maxDelayMs: 1 },
      onFailed: (item, message) => {
        failures.push(`${item.id}: ${message}`);
        throw new Error('listener bug');
      },
    });
    queue.push(notification('a'));
    queue.push(notification('b'));
    await waitFor(() => failures.length === 2);
    expect(failures[0]).toBe('a: command failed unexpectedly: bug');
  });
});
