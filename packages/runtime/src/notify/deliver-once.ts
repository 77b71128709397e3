import type { DeliveryOutcome } from './notification-channel.js';

/** One delivery attempt under way, as {@link deliverOnce} drives it. */
export interface DeliveryAttempt {
  /** Stops the work at once (kills the process, drops the connection). */
  stop(): void;
  /** The outcome when the attempt outlives its time. */
  readonly timedOut: DeliveryOutcome;
  /** The outcome when the host's signal abandons it. */
  readonly abandoned: DeliveryOutcome;
  /** Sends what the attempt has prepared; not called when the signal had already aborted. */
  begin?(): void;
}

/**
 * Runs one delivery attempt that ends exactly once: with the first outcome the attempt passes
 * to `settle`, or stopped after `timeoutMs`, or stopped when `signal` aborts (also when it had
 * already aborted). The timer and the abort listener are gone once it has ended.
 */
export function deliverOnce(
  signal: AbortSignal,
  timeoutMs: number,
  start: (settle: (outcome: DeliveryOutcome) => void) => DeliveryAttempt,
): Promise<DeliveryOutcome> {
  return new Promise<DeliveryOutcome>((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => {
      attempt.stop();
      settle(attempt.abandoned);
    };
    const settle = (outcome: DeliveryOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const attempt = start(settle);
    if (settled) return;
    timer = setTimeout(() => {
      attempt.stop();
      settle(attempt.timedOut);
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    else attempt.begin?.();
  });
}
