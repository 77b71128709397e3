import { join } from 'node:path';
import { openClaudine } from '@claudine/runtime';
import { jsonRpcAnswer, MCP_INITIALIZE, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { cliEnvironment, startCli } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

// `claudine mcp` runs the MCP server's bin as a child with the CLI's own stdio.

const session = useCliSession();

describe('claudine mcp', () => {
  it('speaks MCP over its stdio, in the data directory of --home, and exits when stdin closes', async () => {
    const claudine = openClaudine({ home: session.home, environment: {}, autoStartHost: false });
    const { task } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: session.workdir });
    claudine.close();
    // The environment names another data directory: --home wins.
    const server = startCli(['--home', session.home, 'mcp'], {
      cwd: session.workdir,
      env: cliEnvironment(join(session.root, 'elsewhere')),
    });
    const { child } = server;
    const send = (message: unknown): void => server.writeLine(JSON.stringify(message));
    const answer = (id: number) => jsonRpcAnswer(server.stdout(), id);
    send(MCP_INITIALIZE);
    const initialized = await waitFor(() => answer(1), { description: 'the initialize answer', timeoutMs: 20_000 });
    expect(initialized.result).toMatchObject({ serverInfo: { name: 'claudine' } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ListTasks', arguments: {} } });
    const listed = await waitFor(() => answer(2), { description: 'the ListTasks answer', timeoutMs: 20_000 });
    expect(listed.result).toMatchObject({ structuredContent: { tasks: [{ id: task.id }] } });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.end();
    expect(await exited).toBe(0);
  });

  it('serves HTTP on loopback with --http, and stops on SIGTERM', async () => {
    const server = session.start(['mcp', '--http', '0']);
    const { child } = server;
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(server.stderr())?.[1], {
      description: 'the server to listen',
      timeoutMs: 20_000,
    });
    const initialize = (authorization: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...authorization },
        body: JSON.stringify(MCP_INITIALIZE),
      });
    expect((await initialize({})).status).toBe(401);
    const token = (await session.cli(['mcp', 'token'])).stdout.trim();
    expect(server.stderr()).toContain(`--header "Authorization: Bearer ${token}"`);
    const response = await initialize({ authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"name":"claudine"');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad port, saying what to give', async () => {
    const { code, stderr } = await session.cli(['mcp', '--http', 'abc']);
    expect(code).toBe(2);
    expect(stderr).toContain('is not a port');
  });
});
