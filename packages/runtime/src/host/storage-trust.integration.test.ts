import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { openClaudine } from '../client/client.js';
import { startHost } from './host.js';
import { finished, useHostFixture } from './host-fixture.test-helper.js';

// A data directory whose database was lost: it is refused rather than taken for a new one, and
// the logs of its tasks are never taken for orphans of another database.

const fixture = useHostFixture({ CLAUDINE_OUTPUT_RETENTION: '2s' });

const TASKS = 50;

// Runs TASKS tasks to their end, stops the host, and ages their logs past the orphan grace, so
// that only the ownership check can keep a sweep from deleting them.
async function dataDirectoryWithLogs(): Promise<string[]> {
  const host = await fixture.host({ extra: { CLAUDINE_OUTPUT_RETENTION: '7d' } });
  const claudine = fixture.client({ extra: { CLAUDINE_OUTPUT_RETENTION: '7d' } });
  const submitted = await claudine.submitMany(
    Array.from({ length: TASKS }, (_, index) => ({ prompt: `echo task ${index}`, agent: 'command' as const, cwd: fixture.workdir })),
  );
  const ids = submitted.map((task) => task.id);
  for (const id of ids) expect((await finished(claudine, id)).status).toBe('completed');
  claudine.close();
  await host.stop();
  const longAgo = new Date(Date.now() - 3 * 3_600_000);
  for (const id of ids) utimesSync(join(fixture.home, 'logs', id), longAgo, longAgo);
  return ids;
}

function logDirectories(): string[] {
  return readdirSync(join(fixture.home, 'logs')).filter((name) => name !== 'database-identity');
}

describe('a data directory whose database was lost', () => {
  it('refuses an empty database file beside the logs, and keeps the logs when a new database starts afresh', async () => {
    const ids = await dataDirectoryWithLogs();
    const database = join(fixture.home, 'claudine.db');
    truncateSync(database, 0);
    for (const suffix of ['-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });

    const refusal = expect.objectContaining({
      code: 'storage_corrupt',
      message: expect.stringMatching(/claudine\.db is empty[\s\S]*claudine db backup[\s\S]*move the file/),
    });
    expect(() => openClaudine({ home: fixture.home, environment: fixture.environment(), autoStartHost: false })).toThrow(refusal);
    await expect(startHost({ home: fixture.home, environment: fixture.environment() })).rejects.toThrow(refusal);
    expect(readdirSync(fixture.home)).toContain('claudine.db');
    expect(logDirectories().sort()).toEqual([...ids].sort());

    // Starting afresh as the message says: a new database, with a task of its own whose log
    // expires at once, so a sweep that went over every log is seen to end.
    renameSync(database, `${database}.lost`);
    const lines: string[] = [];
    await fixture.host({ log: (line) => lines.push(line) });
    const claudine = fixture.client();
    const { task } = await claudine.submit({ prompt: 'echo new', agent: 'command', cwd: fixture.workdir });
    await finished(claudine, task.id);
    const summary = await waitFor(() => lines.find((line) => /^logs: .* 1 expired logs and \d+ orphaned ones deleted/.test(line)), {
      description: 'a sweep that deleted the expired log of the new task',
      timeoutMs: 30_000,
    });
    expect(summary).toMatch(/0 orphaned ones deleted/);
    expect(lines.some((line) => /belong to database \w+, not to this one/.test(line))).toBe(true);
    expect(existsSync(join(fixture.home, 'logs', task.id))).toBe(false);
    expect(logDirectories().sort()).toEqual([...ids].sort());
  });

  it('still starts afresh from an empty database file in a data directory that has no logs', async () => {
    mkdirSync(fixture.home, { recursive: true });
    const database = join(fixture.home, 'claudine.db');
    writeFileSync(database, '');
    const claudine = fixture.client();
    expect((await claudine.list()).tasks).toEqual([]);
    expect(statSync(database).size).toBeGreaterThan(0);
  });
});
