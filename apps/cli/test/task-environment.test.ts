import { describe, expect, it } from 'vitest';
import { useCliSession } from './session.test-helper.js';

const session = useCliSession();

// The variables a task saw, from the `env` it ran.
async function variablesOf(id: string): Promise<Map<string, string>> {
  const logs = await session.cli(['logs', '--stdout', id]);
  return new Map(
    logs.stdout
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]),
  );
}

describe('the environment of a task', () => {
  it("is its submitter's, with --env on top, and never the host's", async () => {
    const base = session.env;
    // The host is started from a shell with a secret of its own.
    session.env = { ...base, HOST_ONLY_SECRET: 'host-secret', SHARED_NAME: 'from-the-host' };
    expect((await session.cli(['host', 'start'])).code).toBe(0);

    session.env = { ...base, ALPHA_TOKEN: 'alpha-secret', SHARED_NAME: 'from-alpha' };
    const alpha = await session.submit('env');
    session.env = { ...base, BETA_TOKEN: 'beta-secret', SHARED_NAME: 'from-beta' };
    const beta = await session.submit('env', '--env', 'SHARED_NAME=from-the-flag');

    for (const id of [alpha, beta]) expect((await session.waitForStatus(id, ['completed', 'failed'])).status).toBe('completed');
    const seenByAlpha = await variablesOf(alpha);
    const seenByBeta = await variablesOf(beta);
    expect(seenByAlpha.get('ALPHA_TOKEN')).toBe('alpha-secret');
    expect(seenByAlpha.get('SHARED_NAME')).toBe('from-alpha');
    expect(seenByAlpha.has('BETA_TOKEN')).toBe(false);
    expect(seenByBeta.get('BETA_TOKEN')).toBe('beta-secret');
    expect(seenByBeta.get('SHARED_NAME')).toBe('from-the-flag');
    expect(seenByBeta.has('ALPHA_TOKEN')).toBe(false);
    for (const [id, seen] of [
      [alpha, seenByAlpha],
      [beta, seenByBeta],
    ] as const) {
      expect(seen.has('HOST_ONLY_SECRET')).toBe(false);
      expect(seen.get('CLAUDINE_TASK_ID')).toBe(id);
      expect(seen.get('CLAUDINE_HOME')).toBe(session.home);
    }

    // No read shows the values.
    for (const args of [['status', alpha, '--json'], ['status', beta], ['ls', '--json'], ['ls'], ['status', '--json']]) {
      const output = (await session.cli(args)).stdout;
      expect(output).not.toMatch(/alpha-secret|beta-secret|ALPHA_TOKEN|BETA_TOKEN/);
    }
  });
});
