import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Throttled, throttle } from './throttle.js';

// A throttle over work that only counts its runs, every 1000 ms at most.
function countedThrottle(): { throttled: Throttled; runs: () => number } {
  let runs = 0;
  const throttled = throttle(() => {
    runs += 1;
  }, 1000);
  return { throttled, runs: () => runs };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('throttle', () => {
  it('runs at once, folds a burst into one trailing run, and runs at once again after a quiet interval', () => {
    const { throttled, runs } = countedThrottle();
    throttled.call();
    expect(runs()).toBe(1);
    for (let index = 0; index < 50; index += 1) throttled.call();
    expect(runs()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(runs()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(runs()).toBe(2);
    vi.advanceTimersByTime(5000);
    expect(runs()).toBe(2);
    throttled.call();
    expect(runs()).toBe(3);
  });

  it('drops a pending run when cancelled', () => {
    const { throttled, runs } = countedThrottle();
    throttled.call();
    throttled.call();
    throttled.cancel();
    vi.advanceTimersByTime(5000);
    expect(runs()).toBe(1);
  });
});
