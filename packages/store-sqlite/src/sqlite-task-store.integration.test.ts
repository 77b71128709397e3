import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Task } from '@claudine/core';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from './migrations/index.js';
import { SqliteTaskStore } from './sqlite-task-store.js';
import { completedOutcome, newTask } from './tasks.test-helper.js';

let temp: TempDir;
let path: string;
const open: SqliteTaskStore[] = [];

function openStore(file = path): SqliteTaskStore {
  const store = SqliteTaskStore.open({ path: file, busyTimeoutMs: 10_000 });
  open.push(store);
  return store;
}

function claim(store: SqliteTaskStore, owner = 'host-a', maxRunning = 100): Promise<Task | undefined> {
  const now = Date.now();
  return store.claimNext({ owner, maxRunning, now, leaseExpiresAt: now + 30_000 });
}

beforeEach(() => {
  temp = createTempDir();
  path = join(temp.path, 'claudine.db');
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  temp.remove();
});

describe('SqliteTaskStore', () => {
  it('makes a task written by one connection readable by another', async () => {
    const writer = openStore();
    const reader = openStore();
    const created = await writer.create(newTask({ prompt: 'hello', labels: ['a'] }));
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const read = await reader.get(created.value.id);
    expect(read).toEqual(created.value);
    expect(read).toMatchObject({ prompt: 'hello', status: 'queued', labels: ['a'], attempt: 0, owner: null });
  });

  it('moves its data version when another connection commits, not when it commits itself', async () => {
    const host = openStore();
    const client = openStore();
    const before = host.dataVersion();
    await host.create(newTask());
    expect(host.dataVersion()).toBe(before);
    await client.create(newTask());
    const after = host.dataVersion();
    expect(after).not.toBe(before);
    expect(host.dataVersion()).toBe(after);
  });

  it('lets several processes claim concurrently without ever claiming a task twice', async () => {
    const store = openStore();
    // Enough tasks that the race lasts while the machine is busy: a completion costs well under
    // a millisecond, and with too few tasks one worker can drain them before the others run.
    const created = await store.createMany(Array.from({ length: 2000 }, () => newTask()));
    if (!created.ok) throw new Error(created.error.message);
    const ids = new Set(created.value.map((task) => task.id));
    const worker = fileURLToPath(new URL('../test-fixtures/claim-worker.mjs', import.meta.url));
    const goFile = join(temp.path, 'go');
    let ready = 0;
    const outputs = await Promise.all(
      ['w1', 'w2', 'w3', 'w4'].map(
        (owner) =>
          new Promise<{ stdout: string }>((resolve, reject) => {
            const child = spawn(process.execPath, [worker, path, owner, '1000', goFile], { stdio: ['ignore', 'pipe', 'pipe'] });
            let stdout = '';
            child.stdout.on('data', (chunk: Buffer) => {
              stdout += chunk.toString();
            });
            child.stderr.on('data', (chunk: Buffer) => {
              if (chunk.toString().includes('ready')) {
                ready += 1;
                if (ready === 4) writeFileSync(goFile, '');
              }
            });
            child.on('error', reject);
            child.on('close', (code) => (code === 0 ? resolve({ stdout }) : reject(new Error(`worker ${owner} exited with ${code}`))));
          }),
      ),
    );
    const claimed = outputs.flatMap((output) => JSON.parse(output.stdout) as string[]);
    expect(claimed).toHaveLength(ids.size);
    expect(new Set(claimed)).toEqual(ids);
    // Every worker got some: the claims really raced.
    expect(outputs.filter((output) => (JSON.parse(output.stdout) as string[]).length > 0).length).toBeGreaterThan(1);
    expect((await store.countByStatus()).completed).toBe(ids.size);
  });

  it('orders the whole result before paging, by priority, state or duration, either way round', async () => {
    const store = openStore();
    const ids: string[] = [];
    for (const priority of ['P2', 'P0', 'P1', 'P0'] as const) {
      const result = await store.create(newTask({ priority }));
      if (result.ok) ids.push(result.value.id);
    }
    const [p2, p0old, p1, p0new] = ids as [string, string, string, string];
    // p0old ran 50 ms and completed; p1 runs since 1 s before `now`; the others never started.
    const now = Date.now();
    const started = await claim(store);
    expect(started?.id).toBe(p0old);
    await store.finish(p0old, 'host-a', completedOutcome((started?.startedAt ?? 0) + 50));
    const db = new Database(path);
    db.prepare("UPDATE tasks SET status = 'running', owner = 'host-a', started_at = ? WHERE id = ?").run(now - 1000, p1);
    db.close();
    const all = async (query: Parameters<SqliteTaskStore['list']>[0]) => {
      const seen: string[] = [];
      let cursor: number | undefined;
      for (;;) {
        const page = await store.list({ ...query, limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.tasks.map((task) => task.id));
        if (page.nextCursor === null) return seen;
        cursor = page.nextCursor;
      }
    };
    // Ties go newest first; pages of 3 cut the ordered whole.
    expect(await all({ order: 'priority' })).toEqual([p0new, p0old, p1, p2]);
    expect(await all({ order: 'priority', reverse: true })).toEqual([p2, p1, p0old, p0new]);
    expect(await all({ order: 'status' })).toEqual([p1, p0new, p2, p0old]);
    expect(await all({ order: 'duration', now })).toEqual([p1, p0old, p0new, p2]);
    expect(await all({ order: 'created', reverse: true })).toEqual([p2, p0old, p1, p0new]);
    expect(await all({ order: 'priority', statuses: ['queued'] })).toEqual([p0new, p2]);
  });

  it('keeps a workflow across a reopen of the database mid-chain', async () => {
    const first = openStore();
    const create = async (store: SqliteTaskStore, dependsOn: string[] = []) => {
      const created = await store.create(newTask({ dependsOn }));
      if (!created.ok) throw new Error(created.error.message);
      return created.value;
    };
    const build = await create(first);
    const test = await create(first, [build.id]);
    const review = await create(first, [test.id]);
    await claim(first);
    await first.finish(build.id, 'host-a', completedOutcome());
    first.close();
    const second = openStore();
    expect((await second.get(review.id))?.blockedBy).toEqual([test.id]);
    expect((await claim(second, 'host-b'))?.id).toBe(test.id);
    await second.finish(test.id, 'host-b', completedOutcome());
    expect((await claim(second, 'host-b'))?.id).toBe(review.id);
  });
});

describe('opening a database', () => {
  it('refuses a database written by a newer Claudine, naming the file', () => {
    openStore().close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'future', Date.now());
    db.close();
    expect(() => SqliteTaskStore.open({ path })).toThrow(
      expect.objectContaining({ code: 'storage_too_new', message: expect.stringContaining(path) }),
    );
  });

  it('refuses a file that is not a database, naming it and saying what to do', () => {
    writeFileSync(path, 'this is not a database, just some text that happens to be long enough '.repeat(20));
    expect(() => SqliteTaskStore.open({ path })).toThrow(
      expect.objectContaining({ code: 'storage_corrupt', message: expect.stringMatching(/claudine\.db.*backup/s) }),
    );
  });

  it('reports a database locked by another process as locked', async () => {
    const store = SqliteTaskStore.open({ path, busyTimeoutMs: 100 });
    open.push(store);
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.create(newTask())).rejects.toMatchObject({ code: 'storage_locked', message: expect.stringContaining(path) });
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect((await store.create(newTask())).ok).toBe(true);
  });
});

describe('host lock', () => {
  const host = (id: string, pid: number) => ({ id, pid, pidStartTime: null, hostname: 'here', startedAt: 1, heartbeatAt: 1 });

  it('gives the lock to one live host and refuses a second', async () => {
    const store = openStore();
    const first = await store.acquireHostLock(host('h1', 100), () => true);
    expect(first.ok).toBe(true);
    const second = await store.acquireHostLock(host('h2', 200), () => true);
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.error.holder.id).toBe('h1');
    expect((await store.lockHolder())?.id).toBe('h1');
  });

  it('takes the lock over from a dead holder', async () => {
    const store = openStore();
    await store.acquireHostLock(host('h1', 100), () => true);
    const second = await store.acquireHostLock(host('h2', 200), (holder) => holder.id !== 'h1');
    expect(second.ok).toBe(true);
    expect((await store.lockHolder())?.id).toBe('h2');
    expect((await store.getHost('h1'))?.stoppedAt).not.toBeNull();
  });

  it('releases an idle host only when nothing is queued or running', async () => {
    const store = openStore();
    await store.acquireHostLock(host('h1', 100), () => true);
    await store.create(newTask());
    expect(await store.releaseHostIfIdle('h1', Date.now())).toBe(false);
    const task = await claim(store);
    if (task === undefined) throw new Error('nothing claimed');
    await store.finish(task.id, 'host-a', completedOutcome());
    expect(await store.releaseHostIfIdle('h1', Date.now())).toBe(true);
    expect(await store.lockHolder()).toBeUndefined();
  });
});

describe('housekeeping', () => {
  it('prunes only finished tasks older than the cutoff, with their dependency rows', async () => {
    const store = openStore();
    const old = await store.create(newTask());
    const young = await store.create(newTask());
    if (!old.ok || !young.ok) throw new Error('create failed');
    const waiting = await store.create(newTask({ priority: 'P2', dependsOn: [old.value.id] }));
    if (!waiting.ok) throw new Error('create failed');
    for (const id of [old.value.id, young.value.id]) {
      const claimed = await store.claimNext({ owner: 'h', maxRunning: 10, now: Date.now(), leaseExpiresAt: Date.now() + 1000 });
      if (claimed === undefined) throw new Error('nothing claimed');
      await store.finish(claimed.id, 'h', completedOutcome(id === old.value.id ? 1000 : Date.now()));
    }
    expect(await store.pruneFinished(Date.now() - 60_000)).toEqual([old.value.id]);
    expect(await store.get(old.value.id)).toBeUndefined();
    expect(await store.get(young.value.id)).toMatchObject({ id: young.value.id, status: 'completed' });
    expect(await store.get(waiting.value.id)).toMatchObject({ status: 'queued', dependsOn: [] });
    expect((await store.checkIntegrity()).ok).toBe(true);
  });

  it('reports a sound database as ok, and a broken invariant as a problem', async () => {
    const store = openStore();
    await store.create(newTask());
    const report = await store.checkIntegrity();
    expect(report).toMatchObject({ ok: true, problems: [], tasks: 1, schemaVersion: LATEST_SCHEMA_VERSION });
    const raw = new Database(path);
    raw.prepare("UPDATE tasks SET status = 'running', owner = NULL").run();
    raw.close();
    const broken = await store.checkIntegrity();
    expect(broken.ok).toBe(false);
    expect(broken.problems[0]).toMatch(/is running but has no owner/);
  });

  it('backs up the live database to a private file and refuses to overwrite one', async () => {
    const store = openStore();
    const created = await store.create(newTask({ prompt: 'keep me' }));
    if (!created.ok) throw new Error('create failed');
    const target = join(temp.path, 'copy.db');
    const result = await store.backup(target);
    expect(result.bytes).toBeGreaterThan(0);
    const copy = openStore(target);
    expect((await copy.get(created.value.id))?.prompt).toBe('keep me');
    await expect(store.backup(target)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('already exists') });
  });
});
