import { describe, expect, it } from 'vitest';
import { deliverOnce } from './deliver-once.js';
import type { DeliveryOutcome } from './notification-channel.js';

const timedOut: DeliveryOutcome = { ok: false, retry: true, message: 'timed out' };
const abandoned: DeliveryOutcome = { ok: false, retry: false, message: 'abandoned' };

describe('deliverOnce', () => {
  it('ends with the first outcome the attempt gives, and begins it once the abort check passed', async () => {
    const calls: string[] = [];
    const outcome = await deliverOnce(new AbortController().signal, 10_000, (settle) => {
      setTimeout(() => {
        settle({ ok: true });
        settle({ ok: false, retry: false, message: 'too late' });
      }, 5);
      return { stop: () => calls.push('stop'), begin: () => calls.push('begin'), timedOut, abandoned };
    });
    expect(outcome).toEqual({ ok: true });
    expect(calls).toEqual(['begin']);
  });

  it('stops the attempt and says so when it outlives its time', async () => {
    const calls: string[] = [];
    const outcome = await deliverOnce(new AbortController().signal, 20, () => ({ stop: () => calls.push('stop'), timedOut, abandoned }));
    expect(outcome).toBe(timedOut);
    expect(calls).toEqual(['stop']);
  });

  it('stops the attempt when the signal aborts, and never begins one whose signal had already aborted', async () => {
    const running = new AbortController();
    const calls: string[] = [];
    const pending = deliverOnce(running.signal, 10_000, () => ({ stop: () => calls.push('stop'), timedOut, abandoned }));
    running.abort();
    expect(await pending).toBe(abandoned);
    expect(calls).toEqual(['stop']);

    const gone = new AbortController();
    gone.abort();
    const before: string[] = [];
    const outcome = await deliverOnce(gone.signal, 10_000, () => ({
      stop: () => before.push('stop'),
      begin: () => before.push('begin'),
      timedOut,
      abandoned,
    }));
    expect(outcome).toBe(abandoned);
    expect(before).toEqual(['stop']);
  });
});
