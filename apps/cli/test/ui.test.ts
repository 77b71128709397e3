import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataLayout, rotateAccessToken } from '@claudine/runtime';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { cliEnvironment, runCli, startCli } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

// `claudine ui` runs the dashboard's bin as a child with the CLI's own stdio.

const session = useCliSession();

function startUi(args: string[], extra: Record<string, string> = {}) {
  const ui = startCli(['--home', session.home, 'ui', '--port', '0', ...args], {
    cwd: session.workdir,
    env: cliEnvironment(join(session.root, 'elsewhere'), extra),
  });
  const link = waitFor(() => /Claudine dashboard: (http:\/\/127\.0\.0\.1:\d+\/)#token=(\S+)/.exec(ui.stdout()) ?? undefined, {
    description: `the dashboard's link (stderr: ${ui.stderr()})`,
    timeoutMs: 20_000,
  });
  return { child: ui.child, link, stderr: ui.stderr };
}

describe('claudine ui', () => {
  it('serves the dashboard of --home on loopback, prints the sign-in link, and stops on SIGTERM', async () => {
    const { child, link } = startUi([]);
    const [, url, token] = await link;
    // The token in the link is the data directory's (the one of --home, not of the environment).
    expect(readFileSync(join(session.home, 'access-token'), 'utf8').trim()).toBe(token);
    expect((await fetch(`${url}api/tasks`)).status).toBe(401);
    const answer = await fetch(`${url}api/tasks`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ tasks: [], nextCursor: null });
    // A rotated token locks the old one out at once, without a restart.
    const rotated = rotateAccessToken(dataLayout(session.home));
    expect((await fetch(`${url}api/tasks`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${url}api/tasks`, { headers: { authorization: `Bearer ${rotated}` } })).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('--open hands the browser a private file that forwards to the link, never the token itself', async () => {
    const record = join(session.root, 'browser-args');
    const browser = join(session.root, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$*" > '${record}'\n`);
    chmodSync(browser, 0o755);
    const { child, link } = startUi(['--open'], { BROWSER: browser });
    const [, , token] = await link;
    const opened = await waitFor(() => {
      try {
        return readFileSync(record, 'utf8') || undefined;
      } catch {
        return undefined;
      }
    });
    expect(opened).toMatch(/^file:\/\//);
    expect(opened).not.toContain(token as string);
    const page = fileURLToPath(opened);
    expect(statSync(page).mode & 0o777).toBe(0o600);
    expect(readFileSync(page, 'utf8')).toContain(`#token=${token}`);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses a bad port before starting anything', async () => {
    const { code, stderr } = await runCli(['--home', session.home, 'ui', '--port', 'eighty'], { env: cliEnvironment(session.home) });
    expect(code).toBe(2);
    expect(stderr).toContain('--port "eighty" is not a port');
  });
});
