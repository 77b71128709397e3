import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setDeadlineTimer } from './deadline-timer.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('setDeadlineTimer', () => {
  it('fires once, at the deadline and not before', () => {
    const fired = vi.fn();
    setDeadlineTimer(fired, 1500);
    vi.advanceTimersByTime(1499);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it("reaches deadlines beyond setTimeout's 24.8-day limit", () => {
    const fired = vi.fn();
    const delay = 2 ** 31 + 5000;
    setDeadlineTimer(fired, delay);
    vi.advanceTimersByTime(delay - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('can be called off, also after re-arming', () => {
    const fired = vi.fn();
    const timer = setDeadlineTimer(fired, 2 ** 31 + 5000);
    vi.advanceTimersByTime(2 ** 31);
    timer.cancel();
    vi.advanceTimersByTime(10_000);
    expect(fired).not.toHaveBeenCalled();
  });
});
