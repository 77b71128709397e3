/** The `initialize` request a raw MCP client sends first (JSON-RPC id 1). */
export const MCP_INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
} as const;

/** A JSON-RPC message a server wrote. */
export interface JsonRpcAnswer {
  readonly id?: number;
  readonly result?: Record<string, unknown>;
}

/** The answer to request `id` among the JSON lines a server wrote to stdout so far, if there is one yet. */
export function jsonRpcAnswer(stdout: string, id: number): JsonRpcAnswer | undefined {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JsonRpcAnswer)
    .find((message) => message.id === id);
}
