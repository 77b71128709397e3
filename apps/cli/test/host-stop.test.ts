import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { useCliSession } from './session.test-helper.js';

const session = useCliSession();

describe('claudine host stop --wait', () => {
  it('claims no more, lets the running task finish, then exits; what was queued meanwhile runs on the next host', async () => {
    const gate = join(session.root, 'gate');
    const running = await session.submit(`while [ ! -e ${gate} ]; do sleep 0.05; done; echo finished`);
    await session.waitForStatus(running, ['running']);
    const stopping = session.cli(['host', 'stop', '--wait']);
    const hostLog = join(session.home, 'host.log');
    await waitFor(() => existsSync(hostLog) && readFileSync(hostLog, 'utf8').includes('claims no more, then stops'), {
      description: 'the host to begin draining',
    });
    const queued = await session.submit('echo next');
    // The draining host does not take it, and no second host is started while it lives.
    expect((await session.task(queued)).status).toBe('queued');
    writeFileSync(gate, '');
    const stopped = await stopping;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/claims no more tasks; waiting for its 1 running task\(s\) to finish\nhost \(pid \d+\) stopped\n/);
    expect(await session.task(running)).toMatchObject({ status: 'completed', exitCode: 0, attempt: 1 });
    // The next command finds the queued task with no host, and starts one for it.
    expect(await session.waitForStatus(queued, ['completed', 'failed'])).toMatchObject({ status: 'completed' });
  });

  it('without --wait, stops the running task at once (recorded as shut down)', async () => {
    const id = await session.submit('sleep 30');
    await session.waitForStatus(id, ['running']);
    expect((await session.cli(['host', 'stop'])).code).toBe(0);
    expect(await session.task(id)).toMatchObject({ status: 'failed', failureReason: 'shutdown' });
  });
});
