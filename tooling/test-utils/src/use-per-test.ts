import { afterEach, beforeEach } from 'vitest';

/** Something made before each test and disposed of after it. */
export interface PerTest<T> {
  /** The current test's value; throws outside a test. */
  readonly current: T;
}

/**
 * Registers, in the calling test file (or `describe`), a `beforeEach` that makes a value with
 * `create` and an `afterEach` that hands it to `dispose`. `what` names it in the error a use
 * outside a test throws.
 */
export function usePerTest<T>(what: string, create: () => T, dispose: (value: T) => void): PerTest<T> {
  let value: { readonly current: T } | undefined;
  beforeEach(() => {
    value = { current: create() };
  });
  afterEach(() => {
    const made = value;
    value = undefined;
    if (made !== undefined) dispose(made.current);
  });
  return {
    get current() {
      if (value === undefined) throw new Error(`${what} is used outside a test`);
      return value.current;
    },
  };
}
