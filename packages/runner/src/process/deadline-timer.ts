/** A timer that can be called off. */
export interface DeadlineTimer {
  cancel(): void;
}

// setTimeout fires at once (with a warning) for delays above this; longer ones are chained.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Calls `callback` once, `delayMs` from now, on the event loop's timer heap: nothing runs
 * while it waits, however many are armed. Never early: setTimeout counts from the loop's
 * cached time, which can be a millisecond or so behind, so a timer that fires before the
 * deadline on the monotonic clock waits out the rest. Delays beyond setTimeout's limit (about
 * 24.8 days) are reached by re-arming.
 */
export function setDeadlineTimer(callback: () => void, delayMs: number): DeadlineTimer {
  const due = performance.now() + delayMs;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const remaining = due - performance.now();
    if (remaining <= 0) callback();
    else timer = setTimeout(arm, Math.min(MAX_TIMEOUT_MS, Math.ceil(remaining)));
  };
  timer = setTimeout(arm, Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(delayMs))));
  return {
    cancel() {
      clearTimeout(timer);
    },
  };
}
