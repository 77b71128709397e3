/** Exponential backoff bounds for retrying transient failures. */
export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  readonly baseDelayMs: number;
  /** Largest delay, before jitter. */
  readonly maxDelayMs: number;
}

/**
 * Delay before retry number `retry` (1 for the first retry): `base * 2^(retry-1)` capped at
 * `max`, then "equal jitter" (half fixed, half random) so that tasks failing together on a rate
 * limit do not all come back at once, yet none retries immediately.
 */
export function retryDelay(retry: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.max(0, retry - 1);
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  const half = capped / 2;
  return Math.round(half + random() * half);
}
