import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { newTaskFixture } from '@claudine/task-fixtures';
import { useTempDir } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../sqlite-task-store.js';

const temp = useTempDir();

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

describe('checking the dependency edges', () => {
  it('reports each direction of an edge that the other lacks, and an edge to a task that is gone', async () => {
    const path = join(temp.path, 'claudine.db');
    const store = SqliteTaskStore.open({ path });
    try {
      const first = newTaskFixture();
      const second = newTaskFixture({ dependsOn: [first.id] });
      const third = newTaskFixture({ dependsOn: [first.id, second.id] });
      expect((await store.createMany([first, second, third])).ok).toBe(true);
      expect((await store.checkIntegrity()).problems).toEqual([]);
      const raw = new Database(path);
      const seqOf = (id: string) => (raw.prepare('SELECT seq FROM tasks WHERE id = ?').get(id) as { seq: number }).seq;
      // The reverse edge of third's dependency on second lost; a reverse edge saying first waits
      // for third, which first's row does not list; second's row naming a task that does not exist.
      // (A new task's reverse edges are in task_dependents_recent; the extra one goes into the
      // merged table, so both tables of the view are read. Second's edge on first is in both.)
      raw.prepare('DELETE FROM task_dependents_recent WHERE depends_on_seq = ? AND task_seq = ?').run(seqOf(second.id), seqOf(third.id));
      raw.prepare('INSERT INTO task_dependents_merged (depends_on_seq, task_seq) VALUES (?, ?)').run(seqOf(third.id), seqOf(first.id));
      raw.prepare('INSERT INTO task_dependents_merged (depends_on_seq, task_seq) VALUES (?, ?)').run(seqOf(first.id), seqOf(second.id));
      raw.prepare("UPDATE tasks SET dependency_seqs = json_insert(dependency_seqs, '$[#]', 999) WHERE id = ?").run(second.id);
      raw.close();
      const report = await store.checkIntegrity();
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual(
        expect.arrayContaining([
          `task ${third.id} depends on ${second.id}, but task_dependents lacks that edge: finishing ${second.id} would not release it`,
          `task_dependents has task ${first.id} waiting for task ${third.id}, but the task's row does not list that dependency`,
          `task ${second.id} depends on task seq 999, which does not exist`,
          `the edge of task ${second.id} on ${first.id} is in both task_dependents_merged and task_dependents_recent`,
        ]),
      );
      expect(report.problems).toHaveLength(4);
    } finally {
      store.close();
    }
  });
});
