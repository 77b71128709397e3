import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@claudine/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { useCliSession } from './session.test-helper.js';

// `claudine mcp --http` answers only the account that runs it: another local account (here the
// real `nobody`, through runuser) gets 401 for every request, and no task is created or run.

const execFileAsync = promisify(execFile);

const cliSession = useCliSession();
const { cli } = cliSession;
let server: { child: ChildProcess; url: string; port: number; stderr(): string } | undefined;

afterEach(async () => {
  await stopServer();
});

async function stopServer(): Promise<void> {
  if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
    const exited = new Promise((resolve) => server?.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  }
  server = undefined;
}

/** Starts `claudine mcp --http 0` (the built CLI) and waits until it listens. */
async function startServer(): Promise<NonNullable<typeof server>> {
  const { child, stderr } = cliSession.start(['mcp', '--http', '0']);
  const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr())?.[1], {
    description: 'the server to listen',
    timeoutMs: 20_000,
  });
  server = { child, url, port: Number(new URL(url).port), stderr };
  return server;
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** The three requests of the attack: initialize, notifications/initialized, DelegateTask. */
function attackRequests(marker: string): unknown[] {
  return [
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'intruder', version: '0' } },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'DelegateTask', arguments: { agent: 'command', prompt: `id > ${marker}` } },
    },
  ];
}

interface Exchange {
  readonly label: string;
  readonly status: number;
  readonly wwwAuthenticate: string | null;
  readonly body: string;
}

// Run by node as another user: sends the requests in order (with the session id once it has
// one) under each authorization, and reads the token file, reporting all of it as JSON.
const INTRUDER_SCRIPT = `
import { readFileSync } from 'node:fs';
const [url, tokenPath, requestsJson, authorizationsJson] = process.argv.slice(1);
const requests = JSON.parse(requestsJson);
const authorizations = JSON.parse(authorizationsJson);
let tokenFile;
try { readFileSync(tokenPath, 'utf8'); tokenFile = 'read'; } catch (error) { tokenFile = error.code; }
const exchanges = [];
for (const [label, authorization] of Object.entries(authorizations)) {
  let session;
  for (const request of requests) {
    const headers = { ...${JSON.stringify(HEADERS)} };
    if (authorization !== null) headers.authorization = authorization;
    if (session !== undefined) headers['mcp-session-id'] = session;
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(request) });
    session = response.headers.get('mcp-session-id') ?? session;
    exchanges.push({ label: label + ' ' + request.method, status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), body: await response.text() });
  }
}
process.stdout.write(JSON.stringify({ uid: process.getuid(), tokenFile, exchanges }));
`;

/**
 * Runs node as the local account `nobody`. This test is about a second account, so it cannot
 * pass without one: where that is impossible it fails, saying why, rather than skip.
 */
async function runAsNobody(args: string[]): Promise<{ uid: number; tokenFile: string; exchanges: Exchange[] }> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error('This test runs requests as the user `nobody` with runuser, which needs root: run the tests as root (CI does).');
  }
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((path) => existsSync(path));
  if (runuser === undefined) throw new Error('This test needs runuser (util-linux) to act as the user `nobody`: install util-linux.');
  try {
    await execFileAsync(runuser, ['-u', 'nobody', '--', process.execPath, '-e', '0'], { cwd: '/' });
  } catch (error) {
    throw new Error(
      `The user \`nobody\` cannot run ${process.execPath} (${(error as Error).message.trim()}): make node readable and executable by every user (chmod o+rx on it and its directories).`,
    );
  }
  const { stdout } = await execFileAsync(
    runuser,
    ['-u', 'nobody', '--', process.execPath, '--input-type=module', '-e', INTRUDER_SCRIPT, ...args],
    { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 30_000 },
  );
  return JSON.parse(stdout) as { uid: number; tokenFile: string; exchanges: Exchange[] };
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) });
}

describe('claudine mcp --http and another local account', () => {
  it('answers 401 to every request without the token, so nobody else can run a task, and works with it', async () => {
    const { url } = await startServer();
    const marker = join(cliSession.root, 'marker');
    const intruder = await runAsNobody([
      url,
      join(cliSession.home, 'access-token'),
      JSON.stringify(attackRequests(marker)),
      JSON.stringify({ none: null, wrong: `Bearer ${'A'.repeat(43)}`, basic: 'Basic bm9ib2R5Og==' }),
    ]);
    expect(intruder.uid).toBe(65_534);
    // The token is in the owner's private data directory.
    expect(intruder.tokenFile).toBe('EACCES');
    expect(intruder.exchanges).toHaveLength(9);
    for (const exchange of intruder.exchanges) {
      expect(exchange.status, `${exchange.label}: ${exchange.body}`).toBe(401);
      expect(exchange.wwwAuthenticate).toMatch(/^Bearer /);
      const body = JSON.parse(exchange.body) as { jsonrpc: string; error: { code: number; message: string }; id: null };
      expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32_000 } });
      expect(body.error.message).toContain('claudine mcp token');
    }
    expect(intruder.exchanges.find((exchange) => exchange.label.startsWith('wrong'))?.wwwAuthenticate).toContain('error="invalid_token"');
    const listed = await cli(['ls', '--json']);
    expect(JSON.parse(listed.stdout).tasks).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    expect(server?.stderr()).toContain('refused a request: no access token');
    expect(server?.stderr()).not.toContain('A'.repeat(43));

    // The owner, with the token `claudine mcp token` prints.
    const printed = await cli(['mcp', 'token']);
    expect(printed.code).toBe(0);
    const token = printed.stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const authorization = { authorization: `Bearer ${token}` };
    const [initialize, initialized, call] = attackRequests(marker);
    const opened = await post(url, initialize, authorization);
    expect(opened.status).toBe(200);
    await opened.text();
    const session = { ...authorization, 'mcp-session-id': opened.headers.get('mcp-session-id') ?? '' };
    expect((await post(url, initialized, session)).status).toBe(202);
    const called = await post(url, call, session);
    expect(called.status).toBe(200);
    const answer = await called.text();
    expect(answer).toContain('"taskId"');
    expect(answer).not.toContain('"isError":true');
    await waitFor(() => existsSync(marker), { description: 'the task to write the marker', timeoutMs: 30_000 });
    expect(JSON.parse((await cli(['ls', '--json'])).stdout).tasks).toHaveLength(1);
  }, 90_000);

  it('keeps the token across restarts, and `mcp token --rotate` makes a running server refuse the old one', async () => {
    const first = (await cli(['mcp', 'token'])).stdout.trim();
    expect((await cli(['mcp', 'token'])).stdout.trim()).toBe(first);
    expect(statSync(join(cliSession.home, 'access-token')).mode & 0o777).toBe(0o600);
    await startServer();
    await stopServer();
    const { url, stderr } = await startServer();
    expect(stderr()).toContain(`claude mcp add --transport http claudine ${url} --header "Authorization: Bearer ${first}"`);
    const [initialize] = attackRequests(join(cliSession.root, 'unused'));
    const opened = await post(url, initialize, { authorization: `Bearer ${first}` });
    expect(opened.status).toBe(200);
    await opened.text();

    const rotated = await cli(['mcp', 'token', '--rotate']);
    expect(rotated.code).toBe(0);
    const second = rotated.stdout.trim();
    expect(second).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    expect(rotated.stderr).toContain('the old token is refused from now on');
    expect((await cli(['mcp', 'token'])).stdout.trim()).toBe(second);
    expect((await post(url, initialize, { authorization: `Bearer ${first}` })).status).toBe(401);
    const reopened = await post(url, initialize, { authorization: `Bearer ${second}` });
    expect(reopened.status).toBe(200);
    await reopened.text();
    await waitFor(() => stderr().includes('was opened with a replaced access token: closing it'), {
      description: 'the session of the old token to end',
    });
  }, 60_000);
});
