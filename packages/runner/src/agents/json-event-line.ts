import { isObject } from '@claudine/core';

/**
 * The JSON object on one line of an agent's event stream, or undefined for anything else
 * (plain text the agent printed, a half-written line, an array or a scalar): such lines are
 * output, not events, and never fail the parse.
 */
export function jsonEventLine(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObject(event) ? event : undefined;
}
