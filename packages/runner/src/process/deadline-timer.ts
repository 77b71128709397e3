/** A timer that can be called off. */
export interface DeadlineTimer {
  cancel(): void;
}

// setTimeout fires at once (with a warning) for delays above this; longer ones are chained.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Calls `callback` once, `delayMs` from now, on the event loop's timer heap: nothing runs
 * while it waits, however many are armed. Delays beyond setTimeout's limit (about 24.8 days)
 * are reached by re-arming, measured on the monotonic clock.
 */
export function setDeadlineTimer(callback: () => void, delayMs: number): DeadlineTimer {
  const due = performance.now() + delayMs;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const remaining = due - performance.now();
    timer = remaining > MAX_TIMEOUT_MS ? setTimeout(arm, MAX_TIMEOUT_MS) : setTimeout(callback, Math.max(0, remaining));
  };
  arm();
  return {
    cancel() {
      clearTimeout(timer);
    },
  };
}
