import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { isProcessAlive, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { cliPath } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

const session = useCliSession();

describe('a foreground host whose log cannot be written', () => {
  it('runs tasks with stdout and stderr on /dev/full, and stops cleanly on SIGTERM', async () => {
    const full = openSync('/dev/full', 'w');
    const host = spawn(process.execPath, [cliPath, 'host', 'run'], {
      env: session.env as NodeJS.ProcessEnv,
      stdio: ['ignore', full, full],
    });
    closeSync(full);
    const exited = new Promise<number | null>((resolve) => host.once('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => (await session.cli(['host', 'status'])).code === 0, { description: 'the host to hold the lock' });
      // Every line it logs for these tasks fails to be written; the host goes on.
      const ids = await Promise.all([session.submit('echo one'), session.submit('echo two')]);
      for (const id of ids) expect(await session.waitForStatus(id, ['completed', 'failed'])).toMatchObject({ status: 'completed' });
      expect(isProcessAlive(host.pid as number)).toBe(true);
      const status = await session.cli(['host', 'status', '--json']);
      expect(JSON.parse(status.stdout)).toMatchObject({ running: true, host: { pid: host.pid } });
    } finally {
      host.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
