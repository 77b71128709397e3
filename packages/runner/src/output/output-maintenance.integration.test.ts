import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputEvent, TaskOutputState } from '@claudine/core';
import { useTempDir, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { createFileOutputStore } from './file-output-store.js';
import { createMemoryOutputCatalog, readAll, segmentNames, writeLog } from './output-logs.test-helper.js';
import { createOutputMaintenance } from './output-maintenance.js';
import { createTaskLogWriter } from './task-log-writer.js';

const temp = useTempDir();

const HOUR = 3_600_000;
// Build-log-like lines: compressible, as real output is.
const lines = Array.from({ length: 3000 }, (_, index) => `[${index}] compiling src/module-${index % 50}.ts ... ok (${index % 17} ms)\n`);
const chunks = lines.map((line) => ['stdout', line] as const);

function age(logs: string, taskId: string, name: string, milliseconds: number): void {
  const when = new Date(Date.now() - milliseconds);
  utimesSync(join(logs, taskId, name), when, when);
}

function state(id: string, status: TaskOutputState['status'], finishedAt: number | null = null): [string, TaskOutputState] {
  return [id, { id, status, finishedAt }];
}

describe('output maintenance', () => {
  it('compresses closed segments once older than the compression age, and the log reads the same', async () => {
    await writeLog(temp.path, 'old', chunks, { segmentBytes: 64 * 1024 });
    await writeLog(temp.path, 'new', chunks, { segmentBytes: 64 * 1024 });
    const oldNames = segmentNames(temp.path, 'old');
    for (const name of oldNames) age(temp.path, 'old', name, 2 * HOUR);
    const store = createFileOutputStore(temp.path);
    const before = await readAll(store, 'old');
    const catalog = createMemoryOutputCatalog(new Map([state('old', 'completed', Date.now()), state('new', 'completed', Date.now())]));
    const maintenance = createOutputMaintenance({ logsDirectory: temp.path, catalog, compressionAgeMs: HOUR, retentionMs: 7 * 24 * HOUR });
    const report = await maintenance.sweep();
    expect(report.compressedSegments).toBe(oldNames.length);
    expect(report.savedBytes).toBeGreaterThan(0);
    expect(segmentNames(temp.path, 'old').every((name) => name.endsWith('.log.zst'))).toBe(true);
    expect(segmentNames(temp.path, 'new').every((name) => name.endsWith('.log'))).toBe(true);
    const after = await readAll(store, 'old');
    expect(after.text).toBe(before.text);
    expect(after.end).toBe(before.end);
    const compressed = catalog.events.filter((event) => event.kind === 'segment_compressed');
    expect(compressed).toHaveLength(oldNames.length);
    expect(compressed.every((event) => event.kind === 'segment_compressed' && event.segment.storedBytes < event.segment.logBytes / 3)).toBe(
      true,
    );
  });

  it('never compresses the segment a running task is writing', async () => {
    const catalog = createMemoryOutputCatalog(new Map([state('live', 'running')]));
    const writer = createTaskLogWriter({ directory: join(temp.path, 'live'), taskId: 'live', segmentBytes: 64 * 1024 });
    for (const [stream, line] of chunks) writer.write(stream, Buffer.from(line));
    await waitFor(() => segmentNames(temp.path, 'live').length >= 3, { description: 'the writer to roll over twice' });
    const maintenance = createOutputMaintenance({ logsDirectory: temp.path, catalog, compressionAgeMs: 0, retentionMs: HOUR });
    await maintenance.sweep();
    const names = segmentNames(temp.path, 'live');
    expect(names.at(-1)?.endsWith('.log')).toBe(true);
    expect(names.slice(0, -1).every((name) => name.endsWith('.log.zst'))).toBe(true);
    writer.write('stdout', Buffer.from('the end\n'));
    await writer.close();
    expect((await readAll(createFileOutputStore(temp.path), 'live')).text).toBe(`${lines.join('')}the end\n`);
  });

  it('with a compression age of 0, compresses each segment as soon as the writer closes it', async () => {
    const catalog = createMemoryOutputCatalog(new Map([state('now', 'running')]));
    const maintenance = createOutputMaintenance({ logsDirectory: temp.path, catalog, compressionAgeMs: 0, retentionMs: HOUR });
    const onEvent = (event: OutputEvent) => {
      if (event.kind === 'segment_closed') maintenance.segmentClosed(event.taskId, event.segment);
    };
    await writeLog(temp.path, 'now', chunks, { segmentBytes: 64 * 1024, onEvent });
    await maintenance.idle();
    expect(segmentNames(temp.path, 'now').every((name) => name.endsWith('.log.zst'))).toBe(true);
    expect((await readAll(createFileOutputStore(temp.path), 'now')).text).toBe(lines.join(''));
  });

  it('deletes logs past their retention and directories no task refers to, and nothing else', async () => {
    for (const id of ['expired', 'recent', 'running', 'orphan', 'young-orphan']) await writeLog(temp.path, id, [['stdout', `${id}\n`]]);
    const stray = join(temp.path, 'not a task dir');
    mkdirSync(stray);
    writeFileSync(join(temp.path, 'README'), 'not ours');
    const orphanWhen = new Date(Date.now() - 2 * HOUR);
    utimesSync(join(temp.path, 'orphan'), orphanWhen, orphanWhen);
    const catalog = createMemoryOutputCatalog(
      new Map([
        state('expired', 'failed', Date.now() - 8 * 24 * HOUR),
        state('recent', 'completed', Date.now() - HOUR),
        state('running', 'running'),
      ]),
    );
    writeFileSync(join(temp.path, 'database-identity'), 'database-1\n');
    const maintenance = createOutputMaintenance({
      logsDirectory: temp.path,
      catalog,
      compressionAgeMs: HOUR,
      retentionMs: 7 * 24 * HOUR,
      databaseIdentity: 'database-1',
    });
    const report = await maintenance.sweep();
    expect(report).toMatchObject({ deletedLogs: 1, deletedOrphans: 1, failures: 0 });
    expect(readdirSync(temp.path).sort()).toEqual(['README', 'database-identity', 'not a task dir', 'recent', 'running', 'young-orphan']);
    expect(readFileSync(join(temp.path, 'database-identity'), 'utf8')).toBe('database-1\n');
    expect(catalog.events.filter((event) => event.kind === 'log_deleted').map((event) => event.taskId)).toEqual(['expired']);
    expect(await createFileOutputStore(temp.path).read('expired')).toMatchObject({ records: [], atEnd: true });
  });

  describe('never takes logs for orphans of a database they do not belong to', () => {
    async function oldLogs(ids: readonly string[]): Promise<void> {
      const when = new Date(Date.now() - 2 * HOUR);
      for (const id of ids) {
        await writeLog(temp.path, id, [['stdout', `${id}\n`]]);
        utimesSync(join(temp.path, id), when, when);
      }
    }

    it('keeps every log when the marker names another database, and says why once', async () => {
      await oldLogs(['a', 'b']);
      writeFileSync(join(temp.path, 'database-identity'), 'database-1\n');
      const lines: string[] = [];
      const maintenance = createOutputMaintenance({
        logsDirectory: temp.path,
        catalog: createMemoryOutputCatalog(new Map()),
        compressionAgeMs: HOUR,
        retentionMs: HOUR,
        databaseIdentity: 'database-2',
        log: (line) => lines.push(line),
      });
      expect(await maintenance.sweep()).toMatchObject({ deletedOrphans: 0, failures: 0 });
      expect(await maintenance.sweep()).toMatchObject({ deletedOrphans: 0, failures: 0 });
      expect(readdirSync(temp.path).sort()).toEqual(['a', 'b', 'database-identity']);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/belong to database database-1, not to this one \(database-2\)/);
    });

    it('keeps every log when a database without a marker does not know them all, and writes no marker', async () => {
      await oldLogs(['a', 'b']);
      const lines: string[] = [];
      const maintenance = createOutputMaintenance({
        logsDirectory: temp.path,
        catalog: createMemoryOutputCatalog(new Map([state('b', 'completed', Date.now())])),
        compressionAgeMs: HOUR,
        retentionMs: HOUR,
        databaseIdentity: 'database-2',
        log: (line) => lines.push(line),
      });
      expect(await maintenance.sweep()).toMatchObject({ deletedOrphans: 0, failures: 0 });
      expect(readdirSync(temp.path).sort()).toEqual(['a', 'b']);
      expect(lines[0]).toMatch(/1 of the logs in .* belong to no task of this database/);
    });

    it('keeps every log when it is not told which database it reads', async () => {
      await oldLogs(['a']);
      const maintenance = createOutputMaintenance({
        logsDirectory: temp.path,
        catalog: createMemoryOutputCatalog(new Map()),
        compressionAgeMs: HOUR,
        retentionMs: HOUR,
      });
      expect(await maintenance.sweep()).toMatchObject({ deletedOrphans: 0 });
      expect(readdirSync(temp.path)).toEqual(['a']);
    });

    it('claims logs a database knows every one of, and removes orphans once the marker matches', async () => {
      await oldLogs(['known']);
      const catalog = createMemoryOutputCatalog(new Map([state('known', 'completed', Date.now())]));
      const options = {
        logsDirectory: temp.path,
        catalog,
        compressionAgeMs: HOUR,
        retentionMs: 7 * 24 * HOUR,
        databaseIdentity: 'database-1',
      };
      await createOutputMaintenance(options).sweep();
      expect(readFileSync(join(temp.path, 'database-identity'), 'utf8')).toBe('database-1\n');
      await oldLogs(['gone']);
      expect(await createOutputMaintenance(options).sweep()).toMatchObject({ deletedOrphans: 1 });
      expect(readdirSync(temp.path).sort()).toEqual(['database-identity', 'known']);
    });
  });

  it('removes a compressed file left half-written by an interrupted compression', async () => {
    await writeLog(temp.path, 'tmp', [['stdout', 'x\n']]);
    const leftover = join(temp.path, 'tmp', '00000000000000000000.log.zst.tmp');
    writeFileSync(leftover, 'partial');
    const when = new Date(Date.now() - HOUR);
    utimesSync(leftover, when, when);
    const catalog = createMemoryOutputCatalog(new Map([state('tmp', 'completed', Date.now())]));
    await createOutputMaintenance({ logsDirectory: temp.path, catalog, compressionAgeMs: HOUR, retentionMs: 24 * HOUR }).sweep();
    expect(existsSync(leftover)).toBe(false);
    expect((await readAll(createFileOutputStore(temp.path), 'tmp')).text).toBe('x\n');
  });
});
