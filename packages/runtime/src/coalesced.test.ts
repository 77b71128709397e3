import { describe, expect, it } from 'vitest';
import { coalesced } from './coalesced.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesced', () => {
  it('runs once more after a burst of calls made while it ran, never two at once', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let runs = 0;
    let active = 0;
    let most = 0;
    const trigger = coalesced(async () => {
      active += 1;
      most = Math.max(most, active);
      await (gates[runs++] as ReturnType<typeof deferred>).promise;
      active -= 1;
    });
    trigger();
    trigger();
    trigger();
    trigger();
    await turn();
    expect(runs).toBe(1);
    gates[0]?.resolve();
    await turn();
    expect(runs).toBe(2);
    gates[1]?.resolve();
    await turn();
    await turn();
    expect(runs).toBe(2);
    expect(most).toBe(1);
    trigger();
    await turn();
    expect(runs).toBe(3);
    gates[2]?.resolve();
  });

  it('stops repeating once stopped, and hands errors to onError', async () => {
    let stopped = false;
    let runs = 0;
    const gate = deferred();
    const trigger = coalesced(
      async () => {
        runs += 1;
        await gate.promise;
      },
      { stopped: () => stopped },
    );
    trigger();
    trigger();
    stopped = true;
    gate.resolve();
    await turn();
    await turn();
    expect(runs).toBe(1);

    const errors: unknown[] = [];
    const failing = coalesced(
      async () => {
        throw new Error('boom');
      },
      { onError: (error) => errors.push(error) },
    );
    failing();
    await turn();
    expect(errors).toHaveLength(1);
    failing();
    await turn();
    expect(errors).toHaveLength(2);
  });
});
