import { isClaudineError } from '@claudine/core';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';

/** A successful tool result: structured content plus a short text for the model (and links, if any). */
export function toolResult<T extends Record<string, unknown>>(
  structured: T,
  text: string,
  more: readonly ContentBlock[] = [],
): CallToolResult {
  return { content: [{ type: 'text', text }, ...more], structuredContent: structured };
}

/**
 * Runs a tool body, turning a thrown error into a tool error the model can act on (the message
 * says what went wrong and what to do). The server never crashes on a bad call.
 */
export async function guard(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    const message = isClaudineError(error)
      ? forTheModel(error.message)
      : `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    return { isError: true, content: [{ type: 'text', text: message }] };
  }
}

// The runtime's messages point people at the CLI; a model calling tools has these instead.
const CLI_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/List tasks with `claudine ls` to find the right ids\./g, 'ListTasks finds the right ids.'],
  [/List tasks with `claudine ls`\./g, 'ListTasks shows the tasks there are.'],
  [/`claudine ls`/g, 'ListTasks'],
  [/`claudine status( <id>)?`/g, 'TaskStatus'],
  [/`claudine logs( <id>)?`/g, 'TaskLogs'],
  [/`claudine retry( <id>)?`/g, 'RetryTask'],
];

function forTheModel(message: string): string {
  return CLI_HINTS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}
