import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openClaudine } from '@claudine/runtime';
import { fakeClaudePath, isProcessAlive, waitFor } from '@claudine/test-utils';
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';

/** The built MCP server; `pnpm test` builds before testing. */
export const serverPath = fileURLToPath(new URL('../bin/claudine-mcp.cjs', import.meta.url));

/** How a test reaches the server. */
export type TransportKind = 'stdio' | 'http';

/** Environment for a server under test: its own data dir and the fake claude. */
export function serverEnvironment(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return {
    ...base,
    CLAUDINE_HOME: home,
    CLAUDINE_AGENTS_CLAUDE_COMMAND: fakeClaudePath,
    CLAUDINE_HOST_IDLE_EXIT: '3s',
    CLAUDINE_TIMEOUT_KILL_GRACE: '500ms',
    ...extra,
  };
}

/** A started server and a client session on it, with what the server sent besides answers. */
export interface TestSession {
  readonly client: Client;
  /** Log notifications (notifications/message) received, oldest first. */
  readonly messages: LoggingMessageNotification['params'][];
  /** URIs of notifications/resources/updated received, oldest first. */
  readonly updated: string[];
  /** The server's stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** A running `claudine-mcp --http` process. */
export interface HttpServerProcess {
  readonly url: URL;
  /** The access token, from the registration line the server printed. */
  readonly token: string;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts the built server with `--http 0` (a free port) and waits until it listens. */
export async function startHttpServerProcess(home: string, cwd: string, extra: Record<string, string> = {}): Promise<HttpServerProcess> {
  const child = spawn(process.execPath, [serverPath, '--http', '0'], {
    cwd,
    env: serverEnvironment(home, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(stderr)?.[1], {
    description: 'the HTTP server to listen',
    timeoutMs: 20_000,
  });
  const token = await waitFor(() => /--header "Authorization: Bearer ([A-Za-z0-9_-]+)"\n/.exec(stderr)?.[1], {
    description: 'the registration line',
  });
  return {
    url: new URL(url),
    token,
    child,
    stderr: () => stderr + (stdout === '' ? '' : `\n[stdout] ${stdout}`),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Connects a client session over HTTP to a running server, with its access token. */
export async function connectHttpClient(
  url: URL,
  token: string,
  clientOptions: ClientOptions = {},
): Promise<{ client: Client; messages: LoggingMessageNotification['params'][]; updated: string[] }> {
  const client = new Client({ name: 'claudine-test', version: '0.0.0' }, clientOptions);
  const captured = capture(client);
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return { client, ...captured };
}

/**
 * Starts the built server and connects a client, over stdio or over HTTP (then the server is
 * its own process with `--http 0`, and closing the session stops it).
 */
export async function openSession(
  kind: TransportKind,
  home: string,
  cwd: string,
  extra: Record<string, string> = {},
  clientOptions: ClientOptions = {},
): Promise<TestSession> {
  if (kind === 'http') {
    const server = await startHttpServerProcess(home, cwd, extra);
    const { client, messages, updated } = await connectHttpClient(server.url, server.token, clientOptions);
    return {
      client,
      messages,
      updated,
      stderr: server.stderr,
      async close() {
        await client.close();
        await server.stop();
      },
    };
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverPath],
    env: serverEnvironment(home, extra),
    cwd,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'claudine-test', version: '0.0.0' }, clientOptions);
  const captured = capture(client);
  await client.connect(transport);
  return { client, ...captured, stderr: () => stderr, close: () => client.close() };
}

function capture(client: Client): { messages: LoggingMessageNotification['params'][]; updated: string[] } {
  const messages: LoggingMessageNotification['params'][] = [];
  const updated: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    messages.push(notification.params);
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    updated.push(notification.params.uri);
  });
  return { messages, updated };
}

/** Stops the host the server started, if one runs, and waits for it to exit. */
export async function stopHost(home: string): Promise<void> {
  const claudine = openClaudine({ home, environment: serverEnvironment(home), autoStartHost: false });
  const status = await claudine.hostStatus();
  claudine.close();
  if (status.running && status.host !== null) {
    const pid = status.host.pid;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    await waitFor(() => !isProcessAlive(pid), { description: 'the host to exit', timeoutMs: 20_000 });
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

/** Polls TaskStatus until the task is in one of `statuses`, and returns its summary. */
export async function waitForTaskStatus<T extends { status: string } = { status: string } & Record<string, unknown>>(
  client: Client,
  taskId: string,
  statuses: readonly string[],
  timeoutMs = 30_000,
): Promise<T> {
  return waitFor(
    async () => {
      const task = await taskSummary<T | undefined>(client, taskId);
      return task !== undefined && statuses.includes(task.status) ? task : undefined;
    },
    { description: `task ${taskId} to be ${statuses.join(' or ')}`, timeoutMs, intervalMs: 100 },
  );
}

/** Delegates a task, expecting the server to accept it, and returns its id. */
export async function delegateTask(client: Client, args: Record<string, unknown>): Promise<string> {
  const result = await callTool(client, 'DelegateTask', args);
  expect(result.isError, resultText(result)).toBeFalsy();
  return (result.structuredContent as { taskId: string }).taskId;
}

/** The TaskStatus summary of one task. */
export async function taskSummary<T>(client: Client, taskId: string): Promise<T> {
  const result = await callTool(client, 'TaskStatus', { taskId });
  return (result.structuredContent as { tasks: T[] }).tasks[0] as T;
}
