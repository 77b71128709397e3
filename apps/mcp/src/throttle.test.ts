import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('throttle', () => {
  it('runs at once, folds a burst into one trailing run, and runs at once again after a quiet interval', () => {
    let runs = 0;
    const throttled = throttle(() => {
      runs += 1;
    }, 1000);
    throttled.call();
    expect(runs).toBe(1);
    for (let index = 0; index < 50; index += 1) throttled.call();
    expect(runs).toBe(1);
    vi.advanceTimersByTime(999);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(2);
    vi.advanceTimersByTime(5000);
    expect(runs).toBe(2);
    throttled.call();
    expect(runs).toBe(3);
  });

  it('drops a pending run when cancelled', () => {
    let runs = 0;
    const throttled = throttle(() => {
      runs += 1;
    }, 1000);
    throttled.call();
    throttled.call();
    throttled.cancel();
    vi.advanceTimersByTime(5000);
    expect(runs).toBe(1);
  });
});
