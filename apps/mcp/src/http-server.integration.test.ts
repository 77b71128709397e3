import { join } from 'node:path';
import { type Claudine, ensureAccessToken, openClaudine } from '@claudine/runtime';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningHttpServer, startHttpServer } from './http-server.js';
import { createClaudineMcpServer } from './server.js';
import { createTaskWatch, type TaskWatch } from './task-watch.js';

let temp: TempDir;
let claudine: Claudine;
let watch: TaskWatch;
let server: RunningHttpServer;
let token: string;
const lines: string[] = [];

beforeEach(async () => {
  temp = createTempDir();
  claudine = openClaudine({ home: join(temp.path, 'home'), environment: {}, autoStartHost: false });
  watch = createTaskWatch(claudine);
  lines.length = 0;
  token = ensureAccessToken(claudine.layout);
  server = await startHttpServer({
    port: 0,
    accessToken: () => token,
    createSessionServer: () => createClaudineMcpServer(claudine, { version: '0.0.0', defaultCwd: temp.path, watch }),
    log: (line) => lines.push(line),
    sessionIdleMs: 300,
  });
});

afterEach(async () => {
  await server.close();
  watch.close();
  claudine.close();
  temp.remove();
});

const initialize = (): Promise<Response> =>
  fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    }),
  });

describe('startHttpServer', () => {
  it('closes a session its client abandoned, but not one that keeps its notification stream open', async () => {
    const client = new Client({ name: 'kept', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    // Opened after the client's session, so idle for less long: once it is closed, the
    // client's session was idle long enough too, and only its open stream kept it.
    const abandoned = await initialize();
    expect(abandoned.status).toBe(200);
    await abandoned.text();
    expect(server.sessions()).toBe(2);
    const sessionId = abandoned.headers.get('mcp-session-id');
    await waitFor(() => lines.some((line) => line.startsWith(`session ${sessionId} idle since`)), {
      description: 'the idle session to close',
    });
    await waitFor(() => server.sessions() === 1, { description: 'one session left' });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    expect(server.sessions()).toBe(1);
    await client.close();
  });

  it('refuses a replaced token at once, and ends the sessions opened with it', async () => {
    const client = new Client({ name: 'before', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
    const old = token;
    token = 'B'.repeat(43);
    // The next request with the old token is refused, whatever the session.
    const refused = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${old}`,
        'mcp-session-id': sessionId ?? '',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }),
    });
    expect(refused.status).toBe(401);
    // Its session, and the notification stream the client keeps open, end without a request.
    await waitFor(() => server.sessions() === 0, { description: 'the session of the old token to end' });
    expect(lines).toContain(`session ${sessionId} was opened with a replaced access token: closing it`);
    expect((await initialize()).status).toBe(200);
    await client.close();
  });
});
