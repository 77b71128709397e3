import { type ClaudineError, isClaudineError } from '@claudine/core';

/** The ClaudineError `action` throws; throws itself when `action` returns, or throws something else. */
export function claudineErrorOf(action: () => unknown): ClaudineError {
  try {
    action();
  } catch (error) {
    if (isClaudineError(error)) return error;
    throw error;
  }
  throw new Error('expected a ClaudineError, and it was accepted');
}
