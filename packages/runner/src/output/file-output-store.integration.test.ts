import { appendFileSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputRecord } from '@claudine/core';
import { useTempDir } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { createFileOutputStore } from './file-output-store.js';
import { encodeRecord } from './log-format.js';
import { compressAll, readAll, segmentNames, writeLog } from './output-logs.test-helper.js';

const temp = useTempDir();

const firstSegment = (id: string) => join(temp.path, id, '00000000000000000000.log');

describe('file output store', () => {
  it('reads everything, or one stream, from any offset', async () => {
    await writeLog(temp.path, 'a', [
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
    expect(all.damage).toBeUndefined();
    const errors = await store.read('a', { streams: ['stderr'] });
    expect(errors.records.map((record) => record.text)).toEqual(['warn\n']);
    const first = await store.read('a', { maxBytes: 1 });
    expect(first.records).toHaveLength(1);
    expect(first.atEnd).toBe(false);
    const rest = await store.read('a', { offset: first.nextOffset });
    expect(rest.records.map((record) => record.text)).toEqual(['warn\n', 'two\n']);
    expect(rest.startOffset).toBe(first.nextOffset);
  });

  it('tails the last lines, across records and partial lines', async () => {
    await writeLog(temp.path, 'b', [
      ['stdout', 'l1\nl2\nl'],
      ['stdout', '3\nl4\n'],
      ['stderr', 'e1\n'],
      ['stdout', 'l5\n'],
    ]);
    const store = createFileOutputStore(temp.path);
    const text = async (lines: number, streams?: Array<'stdout' | 'stderr'>) =>
      (await store.tail('b', lines, streams === undefined ? {} : { streams })).records.map((record) => record.text).join('');
    expect(await text(2)).toBe('e1\nl5\n');
    expect(await text(3, ['stdout'])).toBe('l3\nl4\nl5\n');
    expect(await text(100, ['stdout'])).toBe('l1\nl2\nl3\nl4\nl5\n');
    expect(await text(0)).toBe('');
  });

  it('keeps a multi-byte character split across two chunks whole, even read one record at a time', async () => {
    const bytes = Buffer.from('é€', 'utf8');
    await writeLog(temp.path, 'c', [
      ['stdout', bytes.subarray(0, 1)],
      ['stdout', bytes.subarray(1, 3)],
      ['stdout', Buffer.concat([bytes.subarray(3), Buffer.from('\n')])],
    ]);
    const store = createFileOutputStore(temp.path);
    expect((await readAll(store, 'c')).text).toBe('é€\n');
    expect((await readAll(store, 'c', { maxBytes: 1 })).text).toBe('é€\n');
  });

  it('leaves a record that is still being written for the next read', async () => {
    await writeLog(temp.path, 'd', [['stdout', 'whole\n']]);
    const torn = encodeRecord('stdout', Date.now(), Buffer.from('half written\n'));
    appendFileSync(firstSegment('d'), torn.subarray(0, torn.length - 5));
    const store = createFileOutputStore(temp.path);
    const read = await store.read('d');
    expect(read.records.map((record) => record.text)).toEqual(['whole\n']);
    expect(read.atEnd).toBe(true);
    expect(read.damage).toBeUndefined();
    const tail = await store.tail('d', 5);
    expect(tail.records.map((record) => record.text)).toEqual(['whole\n']);
    appendFileSync(firstSegment('d'), torn.subarray(torn.length - 5));
    const more = await store.read('d', { offset: read.nextOffset });
    expect(more.records.map((record) => record.text)).toEqual(['half written\n']);
  });

  it('gives every record its log position, and reads from or back to any position inside a record', async () => {
    await writeLog(temp.path, 'o', [
      ['stdout', 'alpha\nbéta\n'],
      ['stderr', 'gamma\n'],
    ]);
    const store = createFileOutputStore(temp.path);
    const all = await store.read('o');
    const [first, second] = all.records as [OutputRecord, OutputRecord];
    expect(first.offset).toBe(16);
    expect(second.offset).toBe(first.offset + Buffer.byteLength(first.text) + 4 + 16);
    // From the second line of the first record on.
    const fromInside = await store.read('o', { offset: first.offset + 6 });
    expect(fromInside.records.map((record) => [record.text, record.offset])).toEqual([
      ['béta\n', first.offset + 6],
      ['gamma\n', second.offset],
    ]);
    // The tail's first record is cut to its last line, and its offset says where that starts.
    const tail = await store.tail('o', 2);
    expect(tail.records.map((record) => [record.text, record.offset])).toEqual([
      ['béta\n', first.offset + 6],
      ['gamma\n', second.offset],
    ]);
    expect(tail.startOffset).toBe(first.offset + 6);
    // Paging back from there gives exactly what came before.
    const before = await store.tail('o', 10, { before: tail.startOffset });
    expect(before.records.map((record) => record.text)).toEqual(['alpha\n']);
    expect(before.startOffset).toBe(0);
  });

  it('reads an unknown task as empty, and refuses an id that is not a plain name', async () => {
    const store = createFileOutputStore(temp.path);
    expect(await store.read('none')).toEqual({ records: [], startOffset: 0, nextOffset: 0, atEnd: true });
    await expect(store.read('../etc')).rejects.toThrow(/is not a task id/);
    await expect(store.tail('a/b', 5)).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('names a damaged segment and keeps the output before it readable', async () => {
    await writeLog(temp.path, 'e', [['stdout', 'fine\n']]);
    appendFileSync(firstSegment('e'), Buffer.alloc(40, 7));
    const store = createFileOutputStore(temp.path);
    // In the segment being written, garbage can only be skipped up to its end.
    const slice = await store.read('e');
    expect(slice.records.map((record) => record.text)).toEqual(['fine\n']);
    expect(slice.damage?.[0]?.message).toMatch(/00000000000000000000\.log is damaged .*log bytes 25-65 cannot be read/);
  });
});

describe('segmented logs', () => {
  // Each chunk is one line; 60-byte segments hold one or two records each.
  const lines = Array.from({ length: 40 }, (_, index) => `line ${index}\n`);
  const chunks = lines.map((line, index) => [index % 3 === 2 ? 'stderr' : 'stdout', line] as const);

  it('rolls over into segments named by their first log byte, with offsets that run on', async () => {
    const summary = await writeLog(temp.path, 's', chunks, { segmentBytes: 60 });
    const names = segmentNames(temp.path, 's');
    expect(names.length).toBeGreaterThan(10);
    expect(names[0]).toBe('00000000000000000000.log');
    const starts = names.map((name) => Number(name.slice(0, 20)));
    expect(starts).toEqual([...starts].sort((left, right) => left - right));
    expect(summary.endOffset).toBe((starts.at(-1) as number) + readFileSync(join(temp.path, 's', names.at(-1) as string)).length);
    const store = createFileOutputStore(temp.path);
    const whole = await readAll(store, 's');
    expect(whole.text).toBe(lines.join(''));
    expect(whole.damage).toEqual([]);
    // Page by page, one record at a time, the offsets cross segment boundaries.
    const paged = await readAll(store, 's', { maxBytes: 1 });
    expect(paged.text).toBe(lines.join(''));
    expect(paged.pages).toBeGreaterThanOrEqual(40);
    expect((await readAll(store, 's', { streams: ['stderr'] })).text).toBe(lines.filter((_, index) => index % 3 === 2).join(''));
    const tail = await store.tail('s', 3);
    expect(tail.records.map((record) => record.text).join('')).toBe(lines.slice(-3).join(''));
  });

  it('pages back through a segmented log without gaps or repeats, cutting records mid-way', async () => {
    // Four lines per record, three lines per page: pages end inside records.
    const grouped = Array.from({ length: 10 }, (_, group) => ['stdout', lines.slice(group * 4, group * 4 + 4).join('')] as const);
    await writeLog(temp.path, 'p', grouped, { segmentBytes: 100 });
    expect(segmentNames(temp.path, 'p').length).toBeGreaterThan(3);
    await compressAll(temp.path, 'p');
    const store = createFileOutputStore(temp.path);
    const pages: string[] = [];
    let before: number | undefined;
    for (let guard = 0; guard < 100; guard += 1) {
      const slice = await store.tail('p', 3, before === undefined ? {} : { before });
      pages.unshift(slice.records.map((record) => record.text).join(''));
      if (slice.startOffset === 0) break;
      before = slice.startOffset;
    }
    expect(pages.join('')).toBe(lines.join(''));
    expect(pages.slice(1).map((page) => page.split('\n').length - 1)).toEqual(pages.slice(1).map(() => 3));
  });

  it('reads compressed segments exactly as it read them before', async () => {
    await writeLog(temp.path, 'z', chunks, { segmentBytes: 60 });
    const store = createFileOutputStore(temp.path);
    const before = await readAll(store, 'z', { maxBytes: 1 });
    const tailBefore = await store.tail('z', 5, { streams: ['stdout'] });
    await compressAll(temp.path, 'z');
    const names = segmentNames(temp.path, 'z');
    expect(names.every((name) => name.endsWith('.log.zst'))).toBe(true);
    const after = await readAll(store, 'z', { maxBytes: 1 });
    expect(after.records).toEqual(before.records);
    expect(after.end).toBe(before.end);
    expect(await store.tail('z', 5, { streams: ['stdout'] })).toEqual(tailBefore);
  });

  it('reads the bytes the task wrote, not UTF-8 included, the same into a reused buffer, plain or compressed', async () => {
    const odd = Buffer.from([0x61, 0xff, 0xfe, 0x0a, 0x80, 0x62]);
    // Many records, some over the window a read takes at once, across several segments.
    const big = Buffer.alloc(900 * 1024, 0x78);
    const written: Array<readonly ['stdout' | 'stderr', Buffer]> = [];
    for (let index = 0; index < 12; index += 1) {
      written.push(['stdout', index % 3 === 0 ? big : Buffer.from(`line ${index}\n`)], ['stderr', odd]);
    }
    await writeLog(temp.path, 'y', written, { segmentBytes: 2 * 1024 * 1024 });
    const expected = Buffer.concat(written.filter(([stream]) => stream === 'stdout').map(([, bytes]) => bytes));
    const store = createFileOutputStore(temp.path);
    const copyAll = async (buffer?: Buffer) => {
      const copied: Buffer[] = [];
      let offset = 0;
      let reads = 0;
      for (;;) {
        const slice = await store.readBytes('y', {
          offset,
          streams: ['stdout'],
          maxBytes: 3 * 1024 * 1024,
          ...(buffer === undefined ? {} : { buffer }),
        });
        // Copied now: the next read reuses the buffer.
        for (const chunk of slice.records) copied.push(Buffer.from(chunk.bytes));
        reads += 1;
        if (slice.atEnd) return { bytes: Buffer.concat(copied), reads };
        offset = slice.nextOffset;
      }
    };
    const oneBuffer = Buffer.alloc(1024 * 1024 + 100);
    for (const stage of ['plain', 'compressed']) {
      if (stage === 'compressed') await compressAll(temp.path, 'y');
      const fresh = await copyAll();
      expect(fresh.bytes.equals(expected)).toBe(true);
      const reused = await copyAll(oneBuffer);
      expect(reused.bytes.equals(expected)).toBe(true);
      // A read holds no more than the buffer does.
      expect(reused.reads).toBeGreaterThan(fresh.reads);
      const errors = await store.readBytes('y', { streams: ['stderr'], buffer: oneBuffer });
      expect(Buffer.concat(errors.records.map((chunk) => chunk.bytes)).equals(Buffer.concat(Array.from({ length: 12 }, () => odd)))).toBe(
        true,
      );
    }
    await expect(store.readBytes('y', { buffer: Buffer.alloc(1000) })).rejects.toThrow(/must hold at least 1048576 bytes/);
  });

  it('goes on where the last attempt stopped, in a new segment', async () => {
    const first = await writeLog(temp.path, 'r', [['stdout', 'attempt 1\n']]);
    await compressAll(temp.path, 'r');
    const second = await writeLog(temp.path, 'r', [['stdout', 'attempt 2\n']]);
    expect(second.endOffset).toBeGreaterThan(first.endOffset);
    expect(segmentNames(temp.path, 'r')).toEqual(['00000000000000000000.log.zst', `${String(first.endOffset).padStart(20, '0')}.log`]);
    expect((await readAll(createFileOutputStore(temp.path), 'r')).text).toBe('attempt 1\nattempt 2\n');
  });

  it('after a crash in the middle of a record, goes on from the last whole record', async () => {
    const first = await writeLog(temp.path, 'k', [['stdout', 'before the crash\n']]);
    const torn = encodeRecord('stdout', Date.now(), Buffer.from('lost in the crash\n'));
    appendFileSync(join(temp.path, 'k', '00000000000000000000.log'), torn.subarray(0, 10));
    const second = await writeLog(temp.path, 'k', [['stdout', 'after the restart\n']]);
    expect(segmentNames(temp.path, 'k')[1]).toBe(`${String(first.endOffset).padStart(20, '0')}.log`);
    const store = createFileOutputStore(temp.path);
    const whole = await readAll(store, 'k');
    expect(whole.text).toBe('before the crash\nafter the restart\n');
    expect(whole.damage).toEqual([]);
    expect(whole.end).toBe(second.endOffset);
    expect((await store.tail('k', 5)).records.map((record) => record.text).join('')).toBe(whole.text);
    await compressAll(temp.path, 'k');
    expect((await readAll(store, 'k')).text).toBe(whole.text);
  });

  it('names a missing segment and reads the rest', async () => {
    await writeLog(temp.path, 'm', chunks, { segmentBytes: 60 });
    const names = segmentNames(temp.path, 'm');
    const missing = names[3] as string;
    unlinkSync(join(temp.path, 'm', missing));
    const store = createFileOutputStore(temp.path);
    const whole = await readAll(store, 'm');
    expect(whole.damage).toHaveLength(1);
    expect(whole.damage[0]).toContain(missing);
    expect(whole.damage[0]).toMatch(/is missing/);
    expect(whole.text.startsWith('line 0\n')).toBe(true);
    expect(whole.text.endsWith('line 39\n')).toBe(true);
    // Reading from an offset inside the lost part resumes after it.
    const inside = await store.read('m', { offset: Number(missing.slice(0, 20)) });
    expect(inside.damage?.[0]?.file).toContain(missing);
    expect(inside.records.length).toBeGreaterThan(0);
    // A tail that reaches back across it says so too.
    const tail = await store.tail('m', 40);
    expect(tail.damage?.[0]?.message).toContain(missing);
    expect(tail.records.map((record) => record.text).join('')).toBe(whole.text);
  });

  it('names a damaged compressed segment and reads the rest', async () => {
    await writeLog(temp.path, 'x', chunks, { segmentBytes: 60 });
    await compressAll(temp.path, 'x');
    const names = segmentNames(temp.path, 'x');
    const victim = join(temp.path, 'x', names[2] as string);
    const bytes = readFileSync(victim);
    bytes[10] = (bytes[10] as number) ^ 0xff; // inside the first (only) frame
    writeFileSync(victim, bytes);
    const broken = join(temp.path, 'x', names[5] as string);
    writeFileSync(broken, 'not zstd at all');
    const store = createFileOutputStore(temp.path);
    const whole = await readAll(store, 'x');
    expect(whole.damage).toHaveLength(2);
    expect(whole.damage[0]).toContain(names[2]);
    expect(whole.damage[1]).toContain(names[5]);
    expect(whole.damage[1]).toMatch(/seek table/);
    expect(whole.text.startsWith('line 0\n')).toBe(true);
    expect(whole.text.endsWith('line 39\n')).toBe(true);
  });
});
