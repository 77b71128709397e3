import { isClaudineError } from '@claudine/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A successful tool result: structured content plus a short text for the model. */
export function toolResult<T extends Record<string, unknown>>(structured: T, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/**
 * Runs a tool body, turning a thrown error into a tool error the model can act on (the message
 * says what went wrong and what to do). The server never crashes on a bad call.
 */
export async function guard(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    const message = isClaudineError(error) ? error.message : `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    return { isError: true, content: [{ type: 'text', text: message }] };
  }
}
