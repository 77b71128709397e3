import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openClaudine } from '@claudine/runtime';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliEnvironment, cliPath, runCli, stopHostWithCli } from './cli.test-helper.js';

// `claudine mcp` runs the MCP server's bin as a child with the CLI's own stdio.

let temp: TempDir;
let home: string;
let workdir: string;

beforeEach(() => {
  temp = createTempDir();
  home = join(temp.path, 'home');
  workdir = join(temp.path, 'work');
  mkdirSync(workdir);
});

afterEach(() => temp.remove());

describe('claudine mcp', () => {
  it('speaks MCP over its stdio, in the data directory of --home, and exits when stdin closes', async () => {
    const claudine = openClaudine({ home, environment: {}, autoStartHost: false });
    const { task } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: workdir });
    claudine.close();
    // The environment names another data directory: --home wins.
    const child = spawn(process.execPath, [cliPath, '--home', home, 'mcp'], {
      cwd: workdir,
      env: cliEnvironment(join(temp.path, 'elsewhere')) as NodeJS.ProcessEnv,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const send = (message: unknown): void => {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    };
    const answer = (id: number) =>
      stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { id?: number; result?: Record<string, unknown> })
        .find((message) => message.id === id);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    });
    const initialized = await waitFor(() => answer(1), { description: 'the initialize answer', timeoutMs: 20_000 });
    expect(initialized.result).toMatchObject({ serverInfo: { name: 'claudine' } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ListTasks', arguments: {} } });
    const listed = await waitFor(() => answer(2), { description: 'the ListTasks answer', timeoutMs: 20_000 });
    expect(listed.result).toMatchObject({ structuredContent: { tasks: [{ id: task.id }] } });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.end();
    expect(await exited).toBe(0);
    // The server's reads started a host for the queued task: it must be gone before the data
    // directory is removed, or its last writes race the removal.
    await stopHostWithCli((args) => runCli(['--home', home, ...args], { env: cliEnvironment(home) }));
  });

  it('serves HTTP on loopback with --http, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [cliPath, 'mcp', '--http', '0'], {
      cwd: workdir,
      env: cliEnvironment(home) as NodeJS.ProcessEnv,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr)?.[1], {
      description: 'the server to listen',
      timeoutMs: 20_000,
    });
    const initialize = (authorization: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...authorization },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
        }),
      });
    expect((await initialize({})).status).toBe(401);
    const token = (await runCli(['mcp', 'token'], { env: cliEnvironment(home) })).stdout.trim();
    expect(stderr).toContain(`--header "Authorization: Bearer ${token}"`);
    const response = await initialize({ authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"name":"claudine"');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad port, saying what to give', async () => {
    const child = spawn(process.execPath, [cliPath, 'mcp', '--http', 'abc'], {
      cwd: workdir,
      env: cliEnvironment(home) as NodeJS.ProcessEnv,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('is not a port');
  });
});
