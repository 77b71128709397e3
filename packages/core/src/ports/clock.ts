/** A scheduled callback that can be called off. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time, as a port: core reads the time and sets timers only through it, so its logic runs under
 * a fake clock in tests and on any platform.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once after `delayMs` milliseconds. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}
