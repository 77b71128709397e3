/** A throttled call: `call()` runs the function at most once per interval; `cancel()` drops a pending one. */
export interface Throttled {
  call(): void;
  cancel(): void;
}

/**
 * Runs `work` at once on the first call, then at most once per `intervalMs`: calls in between
 * are folded into one trailing run, so the last change is never lost.
 */
export function throttle(work: () => void, intervalMs: number): Throttled {
  let last = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  const run = (): void => {
    timer = undefined;
    last = Date.now();
    work();
  };
  return {
    call() {
      if (timer !== undefined) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
