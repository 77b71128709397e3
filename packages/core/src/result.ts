/**
 * The outcome of an operation whose failure the caller is expected to branch on (an illegal
 * transition, a dependency cycle, an unknown task). Infrastructure failures are thrown as
 * {@link ClaudineError} instead.
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** Wraps a value as a successful {@link Result}. */
export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** Wraps an error as a failed {@link Result}. */
export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
