import { notStartedResult, type RunHandle, type RunResult, type TerminationReason } from '@claudine/core';

/**
 * A run that starts once `prepare` settles: with the value it gives (a task to start) or, when
 * it gives a result instead, without starting at all. A terminate request that comes before the
 * start ends the run unstarted. A failed `prepare` starts `fallback`.
 */
export function deferredRunHandle<T>(
  prepare: Promise<{ readonly start: T } | { readonly refuse: RunResult }>,
  launch: (value: T) => RunHandle,
  fallback: T,
): RunHandle {
  let inner: RunHandle | undefined;
  let stopped: { reason: TerminationReason; detail: string | undefined } | undefined;
  const done = prepare
    .catch(() => ({ start: fallback }))
    .then((prepared): Promise<RunResult> | RunResult => {
      if ('refuse' in prepared) return prepared.refuse;
      if (stopped !== undefined) return unstarted(stopped.reason, stopped.detail);
      inner = launch(prepared.start);
      return inner.done;
    });
  return {
    done,
    terminate(reason, detail) {
      if (inner !== undefined) inner.terminate(reason, detail);
      else stopped ??= { reason, detail };
    },
    processes() {
      return inner?.processes() ?? [];
    },
  };
}

/** The result of a run stopped (cancelled, or its host stopping) before it started. */
export function unstarted(reason: TerminationReason, detail?: string): RunResult {
  return notStartedResult(
    detail ?? (reason === 'cancelled' ? 'cancelled before it started' : 'the host stopped before it started'),
    reason,
  );
}
