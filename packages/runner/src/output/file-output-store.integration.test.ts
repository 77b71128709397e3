import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileOutputStore } from './file-output-store.js';
import { encodeRecord } from './log-format.js';
import { taskLogFile } from './log-paths.js';
import { createTaskLogWriter } from './task-log-writer.js';

let temp: TempDir;

beforeEach(() => {
  temp = createTempDir();
});

afterEach(() => {
  temp.remove();
});

async function writeLog(id: string, chunks: Array<['stdout' | 'stderr' | 'system', string]>): Promise<void> {
  const writer = createTaskLogWriter({ path: taskLogFile(temp.path, id) });
  for (const [stream, text] of chunks) writer.write(stream, Buffer.from(text));
  await writer.close();
}

describe('file output store', () => {
  it('reads everything, or one stream, from any offset', async () => {
    await writeLog('a', [
      ['stdout', 'one\n'],
      ['stderr', 'warn\n'],
      ['stdout', 'two\n'],
    ]);
    const store = createFileOutputStore(temp.path);
    const all = await store.read('a');
    expect(all.records.map((record) => [record.stream, record.text])).toEqual([
      ['stdout', 'one\n'],
      ['stderr', 'warn\n'],
      ['stdout', 'two\n'],
    ]);
    expect(all.atEnd).toBe(true);
    const errors = await store.read('a', { streams: ['stderr'] });
    expect(errors.records.map((record) => record.text)).toEqual(['warn\n']);
    const first = await store.read('a', { maxBytes: 1 });
    expect(first.records).toHaveLength(1);
    const rest = await store.read('a', { offset: first.nextOffset });
    expect(rest.records.map((record) => record.text)).toEqual(['warn\n', 'two\n']);
  });

  it('tails the last lines, across records and partial lines', async () => {
    await writeLog('b', [
      ['stdout', 'l1\nl2\nl'],
      ['stdout', '3\nl4\n'],
      ['stderr', 'e1\n'],
      ['stdout', 'l5\n'],
    ]);
    const store = createFileOutputStore(temp.path);
    const text = async (lines: number, streams?: Array<'stdout' | 'stderr'>) =>
      (await store.tail('b', lines, streams)).records.map((record) => record.text).join('');
    expect(await text(2)).toBe('e1\nl5\n');
    expect(await text(3, ['stdout'])).toBe('l3\nl4\nl5\n');
    expect(await text(100, ['stdout'])).toBe('l1\nl2\nl3\nl4\nl5\n');
    expect(await text(0)).toBe('');
  });

  it('keeps a multi-byte character split across two chunks whole', async () => {
    const bytes = Buffer.from('é', 'utf8');
    const writer = createTaskLogWriter({ path: taskLogFile(temp.path, 'c') });
    writer.write('stdout', bytes.subarray(0, 1));
    writer.write('stdout', Buffer.concat([bytes.subarray(1), Buffer.from('\n')]));
    await writer.close();
    const slice = await createFileOutputStore(temp.path).read('c');
    expect(slice.records.map((record) => record.text).join('')).toBe('é\n');
  });

  it('leaves a record that is still being written for the next read', async () => {
    await writeLog('d', [['stdout', 'whole\n']]);
    const torn = encodeRecord('stdout', Date.now(), Buffer.from('half written\n'));
    appendFileSync(taskLogFile(temp.path, 'd'), torn.subarray(0, torn.length - 5));
    const store = createFileOutputStore(temp.path);
    const read = await store.read('d');
    expect(read.records.map((record) => record.text)).toEqual(['whole\n']);
    const tail = await store.tail('d', 5);
    expect(tail.records.map((record) => record.text)).toEqual(['whole\n']);
  });

  it('reads an unknown task as empty, and names a damaged log and where', async () => {
    const store = createFileOutputStore(temp.path);
    expect(await store.read('none')).toEqual({ records: [], nextOffset: 0, atEnd: true });
    await writeLog('e', [['stdout', 'fine\n']]);
    appendFileSync(taskLogFile(temp.path, 'e'), Buffer.alloc(40, 7));
    await expect(store.read('e')).rejects.toThrow(/output\.log is damaged at byte \d+/);
    writeFileSync(join(temp.path, 'e', 'output.log'), 'garbage garbage garbage');
    await expect(store.read('e')).rejects.toMatchObject({ code: 'output_failed' });
  });
});
