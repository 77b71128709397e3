import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@claudine/test-utils';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  callTool,
  connectHttpClient,
  type HttpServerProcess,
  resultText,
  serverEnvironment,
  serverPath,
  startHttpServerProcess,
} from './mcp-server.test-helper.js';
import { useMcpHome } from './mcp-session.test-helper.js';

// The Streamable HTTP transport: loopback only, DNS rebinding refused, sessions shared.

const mcp = useMcpHome();
let server: HttpServerProcess;

beforeEach(async () => {
  server = await startHttpServerProcess(mcp.home, mcp.workdir);
});

afterEach(async () => {
  await server.stop();
});

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

/**
 * A raw POST to the server, with whatever headers the test wants (Host included), and the access
 * token unless `headers` names an authorization (null: none at all).
 */
function post(
  url: URL,
  headers: Record<string, string | null>,
  body = INITIALIZE,
  address = url.hostname,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const sent: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${server.token}`,
  };
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) delete sent[name];
    else sent[name] = value;
  }
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: address,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: sent,
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, headers: response.headers }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('claudine-mcp --http', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(server.url.hostname).toBe('127.0.0.1');
    expect(server.url.pathname).toBe('/mcp');
    const ok = await post(server.url, { host: `localhost:${server.url.port}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['mcp-session-id']).toEqual(expect.any(String));
    // Another address of this machine, where it has one, does not reach the server.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((info) => info !== undefined && !info.internal && info.family === 'IPv4');
    if (external !== undefined) {
      await expect(post(server.url, {}, INITIALIZE, external.address)).rejects.toThrow(/ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT/);
    }
  });

  it('refuses a request without the access token, or with a wrong one, saying how to get it', async () => {
    for (const authorization of [null, `Bearer ${'A'.repeat(43)}`, `Bearer ${server.token}x`, server.token, `Basic ${server.token}`]) {
      const refused = await post(server.url, { authorization });
      expect(refused.status, String(authorization)).toBe(401);
      expect(refused.headers['www-authenticate']).toBe(
        authorization === null ? 'Bearer realm="claudine"' : 'Bearer realm="claudine", error="invalid_token"',
      );
      expect(refused.headers['mcp-session-id']).toBeUndefined();
      const { error } = JSON.parse(refused.body) as { error: { code: number; message: string } };
      expect(error.code).toBe(-32_000);
      expect(error.message).toContain('claudine mcp token');
      expect(error.message).toContain(`claude mcp add --transport http claudine ${server.url.href}`);
    }
    // Every path, every method: nothing answers without the token.
    expect((await post(new URL('/other', server.url), { authorization: null })).status).toBe(401);
    const withToken = await post(server.url, { authorization: `bearer  ${server.token}` });
    expect(withToken.status).toBe(200);
    expect(server.stderr()).toContain('refused a request: no access token');
    expect(server.stderr()).toContain('refused a request: wrong access token');
    expect(server.stderr()).not.toContain('A'.repeat(43));
    const registration = `claude mcp add --transport http claudine ${server.url.href} --header "Authorization: Bearer ${server.token}"`;
    expect(server.stderr().split('\n')).toContain(`  ${registration}`);
  });

  it('refuses a request with a bad Host or Origin header (DNS rebinding), before any session exists', async () => {
    // The Host check comes first: without the token too, the answer is 403.
    expect((await post(server.url, { host: `evil.example:${server.url.port}`, authorization: null })).status).toBe(403);
    const badHost = await post(server.url, { host: `evil.example:${server.url.port}` });
    expect(badHost.status).toBe(403);
    expect(JSON.parse(badHost.body)).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringContaining('Invalid Host header') } });
    expect(badHost.headers['mcp-session-id']).toBeUndefined();
    const badOrigin = await post(server.url, { origin: 'http://evil.example' });
    expect(badOrigin.status).toBe(403);
    expect(badOrigin.body).toContain('Invalid Origin header');
    const goodOrigin = await post(server.url, { origin: `http://localhost:${server.url.port}` });
    expect(goodOrigin.status).toBe(200);
    const elsewhere = await post(new URL('/other', server.url), {});
    expect(elsewhere.status).toBe(404);
    const notInitialize = await post(server.url, {}, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    expect(notInitialize.status).toBe(400);
    const garbage = await post(server.url, {}, '{"jsonrpc": "2.0", "id": 4, "method": ');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ error: { code: -32700 } });
    const unknownSession = await post(
      server.url,
      { 'mcp-session-id': 'nope' },
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    );
    expect(unknownSession.status).toBe(404);
    expect(server.stderr()).toContain('refused a request: Invalid Host header "evil.example');
    expect(server.stderr()).not.toContain('[stdout]');
  });

  it('lets several sessions share one server, each told about its own tasks', async () => {
    const first = await connectHttpClient(server.url, server.token);
    const second = await connectHttpClient(server.url, server.token);
    const gate = join(mcp.workdir, 'gate');
    const delegated = await callTool(first.client, 'DelegateTask', {
      prompt: `while [ ! -e ${gate} ]; do sleep 0.05; done; echo shared`,
      agent: 'command',
    });
    const { taskId } = delegated.structuredContent as { taskId: string };
    // The other session sees the task, and can follow its log.
    const seen = await callTool(second.client, 'TaskStatus', { taskId });
    expect(seen.isError, resultText(seen)).toBeFalsy();
    const uri = `claudine://tasks/${taskId}/log`;
    await second.client.subscribeResource({ uri });
    mkdirSync(gate);
    const waited = await callTool(second.client, 'WaitForTasks', { taskIds: [taskId], timeoutSeconds: 30 });
    expect(waited.structuredContent).toMatchObject({ done: true });
    await waitFor(() => first.messages.some((message) => String(message.data).includes(`Task ${taskId} completed`)), {
      description: 'the notice in the delegating session',
    });
    await waitFor(() => second.updated.includes(uri), { description: 'the log update in the subscribed session' });
    expect(second.messages.filter((message) => String(message.data).includes(taskId))).toEqual([]);

    // Ending one session leaves the other working.
    const firstTransport = first.client.transport as StreamableHTTPClientTransport;
    const firstSession = firstTransport.sessionId;
    expect(server.stderr()).toContain(`session ${firstSession} started`);
    await firstTransport.terminateSession();
    await first.client.close();
    await waitFor(() => server.stderr().includes(`session ${firstSession} ended (1 open)`), { description: 'the session to end' });
    const still = await callTool(second.client, 'ListTasks', {});
    expect((still.structuredContent as { tasks: Array<{ id: string }> }).tasks.map((task) => task.id)).toEqual([taskId]);
    await second.client.close();
  });

  it('says so when its port is taken', async () => {
    const child = spawn(process.execPath, [serverPath, '--http', server.url.port], {
      cwd: mcp.workdir,
      env: serverEnvironment(mcp.home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${server.url.port} on 127.0.0.1 is in use`);
  });
});
