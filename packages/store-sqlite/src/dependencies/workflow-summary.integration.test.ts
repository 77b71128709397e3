import { join } from 'node:path';
import type { Task } from '@claudine/core';
import { failedOutcomeFixture } from '@claudine/task-fixtures';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../migrations/index.js';
import { SqliteTaskStore } from '../sqlite-task-store.js';
import { completedOutcome, newTask } from '../tasks.test-helper.js';
import { useTestStore } from '../test-store.test-helper.js';

const fixture = useTestStore();

async function create(overrides: Parameters<typeof newTask>[0] = {}): Promise<Task> {
  const created = await fixture.store.create(newTask(overrides));
  if (!created.ok) throw new Error(created.error.message);
  return created.value;
}

async function runToEnd(id: string, outcome = completedOutcome()): Promise<void> {
  const now = Date.now();
  const claimed = await fixture.store.claimNext({ owner: 'host-a', maxRunning: 100, now, leaseExpiresAt: now + 30_000 });
  expect(claimed?.id).toBe(id);
  const finished = await fixture.store.finish(id, 'host-a', outcome);
  expect(finished.ok).toBe(true);
}

describe('a task notify flag', () => {
  it('is stored as given: true, false, or null when the submission says nothing', async () => {
    const on = await create({ notify: true });
    const off = await create({ notify: false });
    const unsaid = await create();
    expect([on.notify, off.notify, unsaid.notify]).toEqual([true, false, null]);
    expect((await fixture.store.get(off.id))?.notify).toBe(false);
    expect((await fixture.store.list()).tasks.map((task) => task.notify).sort()).toEqual([false, null, true].sort());
  });

  it('is null on the tasks of a database from before migration 8', async () => {
    const path = join(fixture.dir, 'old.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const migration of MIGRATIONS.filter((candidate) => candidate.version < 8)) {
      old.exec(migration.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, 1);
    }
    old
      .prepare(
        `INSERT INTO tasks (id, status, priority, agent, prompt, cwd, timeout_ms, pending_dependencies, created_at, updated_at)
         VALUES ('aaaaaaaaaa', 'queued', 1, 'command', 'true', '/tmp', 1000, 0, 1, 1)`,
      )
      .run();
    old.close();
    const migrated = SqliteTaskStore.open({ path });
    try {
      expect((await migrated.get('aaaaaaaaaa'))?.notify).toBeNull();
      expect((await migrated.checkIntegrity()).problems).toEqual([]);
    } finally {
      migrated.close();
    }
  });
});

describe('SqliteTaskStore.workflowSummary', () => {
  it('counts a workflow by state from any of its tasks, and says when its last task ended', async () => {
    const build = await create({ notify: true });
    const test = await create({ dependsOn: [build.id] });
    const lint = await create({ dependsOn: [build.id], notify: false });
    const standalone = await create();
    const before = await fixture.store.workflowSummary(lint.id);
    expect(before).toEqual({
      firstTaskId: build.id,
      tasks: 3,
      counts: { queued: 3, running: 0, completed: 0, failed: 0, cancelled: 0 },
      lastFinishedAt: null,
      notifyOn: 1,
      notifyOff: 1,
    });
    await runToEnd(build.id, completedOutcome(1000));
    await runToEnd(test.id, failedOutcomeFixture(3000));
    await runToEnd(lint.id, completedOutcome(2000));
    const after = await fixture.store.workflowSummary(build.id);
    expect(after).toMatchObject({
      firstTaskId: build.id,
      tasks: 3,
      counts: { queued: 0, running: 0, completed: 2, failed: 1, cancelled: 0 },
      lastFinishedAt: 3000,
    });
    expect(await fixture.store.workflowSummary(standalone.id)).toMatchObject({ firstTaskId: standalone.id, tasks: 1 });
    expect(await fixture.store.workflowSummary('zzzzzzzzzz')).toBeUndefined();
  });

  it('counts the dependents a failure ended with it', async () => {
    const build = await create();
    const test = await create({ dependsOn: [build.id] });
    await create({ dependsOn: [test.id], dependencyPolicy: 'cancel' });
    await runToEnd(build.id, failedOutcomeFixture());
    expect((await fixture.store.workflowSummary(build.id))?.counts).toEqual({
      queued: 0,
      running: 0,
      completed: 0,
      failed: 2,
      cancelled: 1,
    });
  });
});
