/**
 * Wraps async work so that calls never overlap: a call while the work runs asks for one more
 * run after it, however many calls came meanwhile. Meant for "something changed, look again"
 * triggers (file events, signals, timers) that may fire in bursts. Runs stop being repeated once
 * `stopped()` is true; an error ends the current run and goes to `onError`.
 */
export function coalesced(
  work: () => Promise<void>,
  options: { readonly stopped?: () => boolean; readonly onError?: (error: unknown) => void } = {},
): () => void {
  let running = false;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          await work();
        } while (again && options.stopped?.() !== true);
      } catch (error) {
        options.onError?.(error);
      } finally {
        running = false;
      }
    })();
  };
}
