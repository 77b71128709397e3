import type { OutputSegmentEntry } from '@claudine/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../migrations/index.js';
import { completedOutcome, newTask } from '../tasks.test-helper.js';
import { useTestStore } from '../test-store.test-helper.js';

const fixture = useTestStore();

async function createdTask(): Promise<string> {
  const created = await fixture.store.create(newTask());
  if (!created.ok) throw new Error(created.error.message);
  return created.value.id;
}

const segment = (startOffset: number, logBytes: number, overrides: Partial<OutputSegmentEntry> = {}): OutputSegmentEntry => ({
  startOffset,
  logBytes,
  storedBytes: logBytes,
  compressed: false,
  file: `${String(startOffset).padStart(20, '0')}.log`,
  closedAt: null,
  ...overrides,
});

describe('SqliteOutputCatalog', () => {
  it('is created by migration 3', () => {
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
    const db = new Database(fixture.path, { readonly: true });
    try {
      expect(db.prepare('SELECT name FROM schema_migrations WHERE version = 3').get()).toBeDefined();
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'task_output%' ORDER BY name").all();
      expect(tables).toEqual([{ name: 'task_output_segments' }, { name: 'task_outputs' }]);
    } finally {
      db.close();
    }
  });

  it("follows a log's segments, compression, capture totals over attempts, and deletion", async () => {
    const id = await createdTask();
    const catalog = fixture.store.outputCatalog();
    const directory = `/logs/${id}`;
    expect(await catalog.describe(id)).toBeUndefined();
    await catalog.record({ kind: 'segment_opened', taskId: id, directory, segment: segment(0, 0), at: 1 });
    await catalog.record({ kind: 'segment_closed', taskId: id, segment: segment(0, 100, { closedAt: 2 }), at: 2 });
    await catalog.record({ kind: 'segment_opened', taskId: id, directory, segment: segment(100, 0), at: 2 });
    await catalog.record({ kind: 'segment_closed', taskId: id, segment: segment(100, 40, { closedAt: 3 }), at: 3 });
    const captured = { stdout: 90, stderr: 10, system: 0 };
    await catalog.record({
      kind: 'capture_finished',
      taskId: id,
      directory,
      capturedBytes: captured,
      droppedBytes: 0,
      truncatedReason: null,
      at: 3,
    });
    await catalog.record({
      kind: 'segment_compressed',
      taskId: id,
      directory,
      segment: segment(0, 100, { compressed: true, storedBytes: 30, file: '00000000000000000000.log.zst' }),
      at: 4,
    });
    await catalog.record({
      kind: 'capture_finished',
      taskId: id,
      directory,
      capturedBytes: captured,
      droppedBytes: 7,
      truncatedReason: 'disk full',
      at: 5,
    });
    expect(await catalog.describe(id)).toEqual({
      taskId: id,
      directory,
      capturedBytes: { stdout: 180, stderr: 20, system: 0 },
      droppedBytes: 7,
      truncatedReason: 'disk full',
      segments: [
        { startOffset: 0, logBytes: 100, storedBytes: 30, compressed: true, file: '00000000000000000000.log.zst', closedAt: 2 },
        { startOffset: 100, logBytes: 40, storedBytes: 40, compressed: false, file: '00000000000000000100.log', closedAt: 3 },
      ],
      updatedAt: 5,
      deletedAt: null,
    });
    await catalog.record({ kind: 'log_deleted', taskId: id, at: 9 });
    expect(await catalog.describe(id)).toMatchObject({ segments: [], deletedAt: 9, droppedBytes: 7 });
  });

  it('tells the sweeper the state of the tasks it asks about, leaving out unknown ids', async () => {
    const running = await createdTask();
    const finished = await createdTask();
    const now = Date.now();
    await fixture.store.claimNext({ owner: 'host', maxRunning: 10, now, leaseExpiresAt: now + 60_000 });
    await fixture.store.claimNext({ owner: 'host', maxRunning: 10, now, leaseExpiresAt: now + 60_000 });
    await fixture.store.finish(finished, 'host', completedOutcome(now));
    const states = await fixture.store.outputCatalog().taskStates([running, finished, 'zzzzzzzzzz']);
    expect(states.sort((left, right) => left.id.localeCompare(right.id))).toEqual(
      [
        { id: running, status: 'running', finishedAt: null },
        { id: finished, status: 'completed', finishedAt: now },
      ].sort((left, right) => left.id.localeCompare(right.id)),
    );
  });

  it('refuses output of a task that does not exist, naming the database', async () => {
    await expect(
      fixture.store
        .outputCatalog()
        .record({ kind: 'segment_opened', taskId: 'nosuchtask', directory: '/x', segment: segment(0, 0), at: 1 }),
    ).rejects.toMatchObject({ code: 'storage_failed', message: expect.stringContaining('claudine.db') });
  });
});
