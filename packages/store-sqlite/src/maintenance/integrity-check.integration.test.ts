import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { newTaskFixture } from '@claudine/task-fixtures';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../sqlite-task-store.js';

let temp: TempDir;

beforeEach(() => {
  temp = createTempDir();
});

afterEach(() => temp.remove());

describe('checking a damaged database', () => {
  it('reports what SQLite finds when pages in the middle of the file are overwritten, instead of failing', async () => {
    const path = join(temp.path, 'claudine.db');
    const store = SqliteTaskStore.open({ path });
    const created = await store.createMany(
      Array.from({ length: 2000 }, (_, index) => newTaskFixture({ prompt: `task ${index} ${'x'.repeat(200)}` })),
    );
    expect(created.ok).toBe(true);
    store.close();
    const pages = statSync(path).size / 4096;
    expect(pages).toBeGreaterThan(100);
    // Junk over ten pages half way through: task rows and index pages, not the schema.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(10 * 4096, 0x5a), 0, 10 * 4096, Math.floor(pages / 2) * 4096);
    closeSync(fd);
    const damaged = SqliteTaskStore.open({ path });
    try {
      const report = await damaged.checkIntegrity();
      expect(report.ok).toBe(false);
      expect(report.problems.length).toBeGreaterThan(0);
      // Where the damage is: the table of tasks, and no other.
      expect(report.problems).toContain('table tasks (or one of its indexes) is damaged: database disk image is malformed');
      expect(report.problems.some((problem) => problem.startsWith('table task_attempts'))).toBe(false);
    } finally {
      damaged.close();
    }
  });
});
