import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { finished, useHostFixture } from './host-fixture.test-helper.js';

// The host's side of output: the catalog in SQLite, compression and retention, and following.

const fixture = useHostFixture();

async function setUp(settings: Record<string, string>): Promise<Claudine> {
  await fixture.host({ extra: settings });
  return fixture.client({ extra: settings });
}

describe('host output', () => {
  it('records segments, compression and capture in the database', async () => {
    const claudine = await setUp({ CLAUDINE_OUTPUT_SEGMENT_BYTES: '64KiB', CLAUDINE_OUTPUT_COMPRESSION_AGE: '0' });
    const { task } = await claudine.submit({ prompt: 'seq 1 100000; echo done >&2', agent: 'command', cwd: fixture.workdir });
    await finished(claudine, task.id);
    const info = await waitFor(
      async () => {
        const entry = await claudine.outputInfo(task.id);
        return entry !== undefined && entry.segments.length > 0 && entry.segments.every((segment) => segment.compressed)
          ? entry
          : undefined;
      },
      { description: 'every segment to be compressed and recorded', timeoutMs: 20_000 },
    );
    expect(info).toMatchObject({ capturedBytes: { stdout: 588_895, stderr: 5 }, droppedBytes: 0, truncatedReason: null, deletedAt: null });
    expect(info.directory).toBe(join(fixture.home, 'logs', task.id));
    // Beside the segments, the log directory holds only the task's script.
    expect(info.segments.map((segment) => segment.file)).toEqual(
      readdirSync(info.directory)
        .filter((name) => name !== 'command.sh')
        .sort(),
    );
    const logBytes = info.segments.reduce((sum, segment) => sum + segment.logBytes, 0);
    const storedBytes = info.segments.reduce((sum, segment) => sum + segment.storedBytes, 0);
    expect(logBytes).toBeGreaterThan(588_895);
    expect(storedBytes).toBeLessThan(logBytes / 3);
    expect(
      info.segments.every(
        (segment, index) =>
          index === 0 || segment.startOffset === (info.segments[index - 1]?.startOffset ?? 0) + (info.segments[index - 1]?.logBytes ?? 0),
      ),
    ).toBe(true);
  });

  it('deletes expired logs and orphaned ones, and records the deletion', async () => {
    const claudine = await setUp({ CLAUDINE_OUTPUT_RETENTION: '1s' });
    // Left after the host's first sweep claimed the logs directory for this database: an orphan
    // of this database (one that predates it is never deleted, see storage-trust).
    await waitFor(() => existsSync(join(fixture.home, 'logs', 'database-identity')), { description: 'the first sweep' });
    const orphan = join(fixture.home, 'logs', 'zzzzzzzzzz');
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(orphan, '00000000000000000000.log'), '');
    const longAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(orphan, longAgo, longAgo);
    const { task } = await claudine.submit({ prompt: 'echo short-lived', agent: 'command', cwd: fixture.workdir });
    await finished(claudine, task.id);
    await waitFor(() => !existsSync(join(fixture.home, 'logs', task.id)) && !existsSync(orphan), {
      description: 'the sweeper to delete the expired and the orphaned log',
      timeoutMs: 20_000,
    });
    const info = await waitFor(async () => {
      const entry = await claudine.outputInfo(task.id);
      return entry?.deletedAt !== null ? entry : undefined;
    });
    expect(info).toMatchObject({ segments: [], capturedBytes: { stdout: 'short-lived\n'.length } });
    expect(await claudine.output.read(task.id)).toMatchObject({ records: [], atEnd: true });
  });

  it('follows a running task until it ends, output and state alike', async () => {
    const claudine = await setUp({});
    const go = join(fixture.workdir, 'go');
    const { task } = await claudine.submit({
      prompt: `echo one; while [ ! -f '${go}' ]; do sleep 0.05; done; echo two >&2; echo three`,
      agent: 'command',
      cwd: fixture.workdir,
    });
    const seen: string[] = [];
    const following = claudine.followOutput(task.id, (records) => {
      for (const record of records) if (record.stream !== 'system') seen.push(`${record.stream}:${record.text}`);
    });
    await waitFor(() => seen.includes('stdout:one\n'), { description: 'the first line' });
    writeFileSync(go, '');
    const ended = await following;
    expect(ended.status).toBe('completed');
    expect(seen).toEqual(['stdout:one\n', 'stderr:two\n', 'stdout:three\n']);
  });

  it('follows the bytes of a task, reading no further while the last ones are not taken', async () => {
    const claudine = await setUp({});
    const bytes = 20 * 1024 * 1024;
    const { task } = await claudine.submit({
      prompt: `yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c ${bytes}; printf '\\377 end'`,
      agent: 'command',
      cwd: fixture.workdir,
    });
    let taking = 0;
    let overlapped = false;
    const copied: Buffer[] = [];
    const ended = await claudine.followOutputBytes(
      task.id,
      async (chunks) => {
        overlapped ||= taking > 0;
        taking += 1;
        // Taken slowly, in another turn of the event loop: the next read must wait for it.
        await new Promise((resolve) => setImmediate(resolve));
        for (const chunk of chunks) copied.push(Buffer.from(chunk.bytes));
        taking -= 1;
      },
      { streams: ['stdout'] },
    );
    expect(ended.status).toBe('completed');
    expect(overlapped).toBe(false);
    const output = Buffer.concat(copied);
    expect(output.length).toBe(bytes + 5);
    expect(output.subarray(bytes).equals(Buffer.from([0xff, 0x20, 0x65, 0x6e, 0x64]))).toBe(true);
    expect(output.subarray(0, 64).toString()).toBe('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n0');
  });
});
