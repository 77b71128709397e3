import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputEvent } from '@claudine/core';
import { useTempDir } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { incompleteUtf8Tail } from './byte-chunks.js';
import { createFileOutputStore } from './file-output-store.js';
import { type LogFileSystem, nodeLogFileSystem } from './log-file-system.js';
import { readAll, segmentNames, writeLog } from './output-logs.test-helper.js';
import { createTaskLogWriter } from './task-log-writer.js';

const temp = useTempDir();

/** A file system that accepts `budget` bytes, then fails like a full disk. */
function fillingFileSystem(budget: number): LogFileSystem & { truncations: number[] } {
  let left = budget;
  const truncations: number[] = [];
  return {
    truncations,
    open: nodeLogFileSystem.open,
    close: nodeLogFileSystem.close,
    async truncate(fd, length) {
      truncations.push(length);
      await nodeLogFileSystem.truncate(fd, length);
    },
    async writev(fd, buffers, position) {
      const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
      if (left <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      if (total <= left) {
        left -= total;
        return nodeLogFileSystem.writev(fd, buffers, position);
      }
      // A short write, as the kernel does when the disk fills in the middle of a batch.
      const part = Buffer.concat(buffers as Buffer[]).subarray(0, left);
      left = 0;
      return nodeLogFileSystem.writev(fd, [part], position);
    },
  };
}

describe('task log writer', () => {
  it('applies backpressure: write() returns false once the buffer is full, and drains', async () => {
    const writer = createTaskLogWriter({ directory: join(temp.path, 'b'), taskId: 'b', maxBufferedBytes: 1000 });
    let drained = 0;
    writer.onDrain(() => {
      drained += 1;
    });
    const chunk = Buffer.alloc(400, 'x');
    expect(writer.write('stdout', chunk)).toBe(true);
    expect(writer.write('stdout', chunk)).toBe(true);
    expect(writer.write('stdout', chunk)).toBe(false);
    const summary = await writer.close();
    expect(drained).toBe(1);
    expect(summary).toMatchObject({ capturedBytes: { stdout: 1200 }, droppedBytes: 0, truncatedReason: null });
  });

  it('reports segments opened and closed, and what the capture stored', async () => {
    const events: OutputEvent[] = [];
    await writeLog(
      temp.path,
      'e',
      Array.from({ length: 10 }, () => ['stdout', 'x'.repeat(30)] as const),
      { segmentBytes: 100, onEvent: (event) => events.push(event) },
    );
    const kinds = events.map((event) => event.kind);
    expect(kinds[0]).toBe('segment_opened');
    expect(kinds.at(-1)).toBe('capture_finished');
    const closed = events.filter((event) => event.kind === 'segment_closed');
    expect(closed.length).toBe(segmentNames(temp.path, 'e').length);
    expect(closed.every((event) => event.kind === 'segment_closed' && event.segment.logBytes > 0 && event.segment.closedAt !== null)).toBe(
      true,
    );
    expect(events.at(-1)).toMatchObject({ kind: 'capture_finished', capturedBytes: { stdout: 300 }, droppedBytes: 0 });
  });

  it('drops and counts output beyond the cap, says so in the log, and keeps the source flowing', async () => {
    const writer = createTaskLogWriter({ directory: join(temp.path, 'c'), taskId: 'c', maxLogBytes: 1000, maxBufferedBytes: 100 });
    writer.note('[claudine] starting');
    const chunk = Buffer.alloc(180, 'y');
    let wake: () => void = () => {};
    writer.onDrain(() => wake());
    const accepted: boolean[] = [];
    for (let index = 0; index < 50; index += 1) {
      const ok = writer.write('stdout', chunk);
      accepted.push(ok);
      if (!ok) await new Promise<void>((resolve) => (wake = resolve));
    }
    // Once the cap is reached, output is counted and dropped at once: the pipe is not paused.
    expect(accepted.slice(-40).every(Boolean)).toBe(true);
    expect(writer.write('stderr', chunk)).toBe(true);
    const summary = await writer.close();
    expect(summary.truncatedReason).toMatch(/cap of 1000 B per task \(output\.maxBytesPerTask\)/);
    expect(summary.capturedBytes.stdout).toBeLessThanOrEqual(1000);
    expect(summary.capturedBytes.stdout + summary.droppedBytes).toBe(51 * 180);
    const log = await readAll(createFileOutputStore(temp.path), 'c');
    expect(log.text).toMatch(/reached the cap of 1000 B \(output\.maxBytesPerTask\): further output is dropped and counted/);
    expect(log.text).toMatch(/\[claudine\] .* of output dropped \(stdout .*, stderr 180 B\)/);
    expect(log.damage).toEqual([]);
  });

  it('stops at a write failure, cuts the log back to whole records and counts what is lost', async () => {
    const fileSystem = fillingFileSystem(300);
    const writer = createTaskLogWriter({ directory: join(temp.path, 'f'), taskId: 'f', fileSystem, maxBufferedBytes: 64 });
    const lines = Array.from({ length: 40 }, (_, index) => `line ${String(index).padStart(2, '0')}\n`);
    for (const line of lines) {
      writer.write('stdout', Buffer.from(line));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const summary = await writer.close();
    expect(summary.truncatedReason).toMatch(/writing the log failed: ENOSPC/);
    expect(summary.capturedBytes.stdout + summary.droppedBytes).toBe(lines.join('').length);
    expect(summary.droppedBytes).toBeGreaterThan(0);
    expect(fileSystem.truncations.length).toBeGreaterThan(0);
    const log = await readAll(createFileOutputStore(temp.path), 'f');
    expect(log.damage).toEqual([]);
    expect(log.text).toBe(lines.join('').slice(0, summary.capturedBytes.stdout));
  });

  it('survives a device that refuses every write (/dev/full)', async () => {
    const directory = join(temp.path, 'g');
    mkdirSync(directory);
    symlinkSync('/dev/full', join(directory, '00000000000000000000.log'));
    const writer = createTaskLogWriter({ directory, taskId: 'g' });
    writer.note('[claudine] starting');
    expect(writer.write('stdout', Buffer.from('hello\n'))).toBe(true);
    const summary = await writer.close();
    expect(summary.truncatedReason).toMatch(/ENOSPC/);
    expect(summary.droppedBytes).toBe(6);
  });

  it('holds back the start of a UTF-8 character that a chunk cuts off', () => {
    const euro = Buffer.from('€', 'utf8');
    expect(incompleteUtf8Tail(Buffer.from('abc'))).toBe(0);
    expect(incompleteUtf8Tail(euro)).toBe(0);
    expect(incompleteUtf8Tail(euro.subarray(0, 1))).toBe(1);
    expect(incompleteUtf8Tail(euro.subarray(0, 2))).toBe(2);
    expect(incompleteUtf8Tail(Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)]))).toBe(2);
  });
});
