import { existsSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TaskSchema } from '@claudine/core';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { cliEnvironment } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

// `claudine logs` end to end: following from another process, segmented and compressed logs,
// retention, truncation and damage, through the built CLI and a real host.

const session = useCliSession();
const { cli, submit } = session;
const finished = (id: string) => session.waitForStatus(id, ['completed', 'failed', 'cancelled']);

const numbered = (count: number) => Array.from({ length: count }, (_, index) => `${index + 1}\n`).join('');

describe('claudine logs', () => {
  it('follows a running task from another process, and ends when the task ends', async () => {
    const go = join(session.workdir, 'go');
    const id = await submit(`echo first; echo warning >&2; while [ ! -f '${go}' ]; do sleep 0.05; done; echo second; exit 3`);
    const follower = session.start(['logs', '-f', '--stdout', id]);
    // The follower shows output while the task is still waiting for us.
    await waitFor(() => follower.stdout().includes('first\n'), { description: 'the follower to show the first line', timeoutMs: 20_000 });
    expect(follower.child.exitCode).toBeNull();
    writeFileSync(go, '');
    const result = await follower.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('first\nsecond\n');
    expect((await finished(id)).exitCode).toBe(3);
  });

  it('reads a log rolled into segments and compressed exactly as it was printed', async () => {
    session.env = cliEnvironment(session.home, { CLAUDINE_OUTPUT_SEGMENT_BYTES: '64KiB', CLAUDINE_OUTPUT_COMPRESSION_AGE: '0' });
    const id = await submit('seq 1 100000');
    expect((await finished(id)).status).toBe('completed');
    const directory = join(session.home, 'logs', id);
    // The task's script (command.sh) is kept beside its segments, and goes with the log.
    const segments = () => readdirSync(directory).filter((name) => name !== 'command.sh');
    await waitFor(() => segments().every((name) => name.endsWith('.log.zst')), {
      description: 'the host to compress every segment',
      timeoutMs: 20_000,
    });
    expect(segments().length).toBeGreaterThan(5);
    const whole = await cli(['logs', '--stdout', id]);
    expect(whole.code).toBe(0);
    expect(whole.stdout).toBe(numbered(100000));
    expect((await cli(['logs', '--tail', '3', '--stdout', id])).stdout).toBe('99998\n99999\n100000\n');
    // Page through it by offsets, as a program would.
    const pages: string[] = [];
    let offset = 0;
    for (let guard = 0; guard < 10; guard += 1) {
      const page = JSON.parse((await cli(['logs', '--json', '--stdout', '--offset', String(offset), id])).stdout) as {
        records: Array<{ text: string }>;
        nextOffset: number;
        atEnd: boolean;
      };
      pages.push(page.records.map((record) => record.text).join(''));
      offset = page.nextOffset;
      if (page.atEnd) break;
    }
    expect(pages.join('')).toBe(numbered(100000));
  });

  it('says that output beyond the cap was dropped, and flags the task', async () => {
    session.env = cliEnvironment(session.home, { CLAUDINE_OUTPUT_MAX_BYTES_PER_TASK: '64KiB' });
    const run = await cli(['run', '--agent', 'command', '--wait', 'seq 1 100000; echo done >&2']);
    expect(run.code).toBe(0);
    const id = TaskSchema.parse(JSON.parse((await cli(['ls', '--json'])).stdout).tasks[0]).id;
    const task = await finished(id);
    expect(task.outputTruncated).toBe(true);
    const logs = await cli(['logs', id]);
    // Claudine's note is on stderr: stdout holds only what the task printed.
    expect(logs.stderr).toMatch(/\[claudine\] this task's output reached the cap of 64 KiB \(output\.maxBytesPerTask\)/);
    expect(logs.stdout).not.toContain('[claudine]');
    expect(logs.stderr).toMatch(/output truncated, .* dropped: the output reached the cap of 64 KiB per task/);
    expect(logs.stdout.length).toBeLessThan(80 * 1024);
  });

  it('names a missing segment, prints the rest, and exits with the storage code', async () => {
    session.env = cliEnvironment(session.home, { CLAUDINE_OUTPUT_SEGMENT_BYTES: '16KiB' });
    const id = await submit('seq 1 200000');
    await finished(id);
    const directory = join(session.home, 'logs', id);
    const names = readdirSync(directory).sort();
    const victim = names[2] as string;
    unlinkSync(join(directory, victim));
    const logs = await cli(['logs', '--stdout', id]);
    expect(logs.code).toBe(5);
    expect(logs.stderr).toContain(victim);
    expect(logs.stderr).toMatch(/is missing: log bytes \d+-\d+ are lost; the rest of the log is readable/);
    expect(logs.stdout.startsWith('1\n2\n')).toBe(true);
    expect(logs.stdout.endsWith('199999\n200000\n')).toBe(true);
  });

  it('deletes logs after the retention period, and says so when asked for them', async () => {
    session.env = cliEnvironment(session.home, { CLAUDINE_OUTPUT_RETENTION: '1s' });
    const id = await submit('echo soon gone');
    await finished(id);
    await waitFor(() => !existsSync(join(session.home, 'logs', id)), {
      description: 'the host to delete the expired log',
      timeoutMs: 20_000,
    });
    const logs = await cli(['logs', id]);
    expect(logs.code).toBe(3);
    expect(logs.stdout).toBe('');
    expect(logs.stderr).toMatch(
      new RegExp(`the output of task ${id} was deleted on .*after the retention period \\(output\\.retention\\)`),
    );
  });
});
