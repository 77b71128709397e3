import { fileURLToPath } from 'node:url';
import { openClaudine } from '@claudine/runtime';
import { fakeClaudePath, isProcessAlive, waitFor } from '@claudine/test-utils';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The built MCP server; `pnpm test` builds before testing. */
export const serverPath = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** Environment for a server under test: its own data dir and the fake claude. */
export function serverEnvironment(home: string): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return {
    ...base,
    CLAUDINE_HOME: home,
    CLAUDINE_AGENTS_CLAUDE_COMMAND: fakeClaudePath,
    CLAUDINE_HOST_IDLE_EXIT: '3s',
    CLAUDINE_TIMEOUT_KILL_GRACE: '500ms',
  };
}

/** A real MCP client connected over stdio to the built server, started in `cwd`. */
export async function connectServer(home: string, cwd: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverPath],
    env: serverEnvironment(home),
    cwd,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'claudine-test', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

/** Stops the host the server started, if one runs, and waits for it to exit. */
export async function stopHost(home: string): Promise<void> {
  const claudine = openClaudine({ home, environment: serverEnvironment(home), autoStartHost: false });
  const status = await claudine.hostStatus();
  claudine.close();
  if (status.running && status.host !== null) {
    const pid = status.host.pid;
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !isProcessAlive(pid), { description: 'the host to exit' });
  }
}

/** Calls a tool. */
export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text parts of a tool result. */
export function resultText(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}
