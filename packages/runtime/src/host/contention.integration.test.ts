import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { spawnWatched, useTestDirectories, waitFor } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { hostEntryPath } from '../client/ensure-host.js';

const dirs = useTestDirectories();
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function run(args: string[], environment: Record<string, string | undefined>): { child: ChildProcess; output: Promise<string> } {
  const watched = spawnWatched(process.execPath, args, { env: environment as NodeJS.ProcessEnv });
  children.push(watched.child);
  const output = watched.exited.then(({ code, signal, stdout, stderr }) =>
    code === 0 || signal === 'SIGTERM' ? stdout : Promise.reject(new Error(`exit ${code}: ${stderr}`)),
  );
  return { child: watched.child, output };
}

describe('contention', () => {
  it('two hosts and three submitting clients on one data directory: no task runs twice, the cap holds', async () => {
    const cap = 3;
    const environment = { ...process.env, CLAUDINE_HOME: dirs.home, CLAUDINE_CONCURRENCY: String(cap) };
    const log = join(dirs.workdir, 'runs.log');
    const worker = fileURLToPath(new URL('../../test-fixtures/submit-worker.mjs', import.meta.url));
    const first = run([hostEntryPath(), '--home', dirs.home], environment);
    // The first host holds the lock; the second shares the directory on purpose.
    await waitFor(
      () => {
        const store = SqliteTaskStore.open({ path: join(dirs.home, 'claudine.db') });
        try {
          return store.lockHolder();
        } finally {
          store.close();
        }
      },
      { description: 'the first host to take the lock', timeoutMs: 30_000 },
    );
    const second = run([hostEntryPath(), '--home', dirs.home, '--shared'], environment);
    await waitFor(
      () => {
        const db = new Database(join(dirs.home, 'claudine.db'), { readonly: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM hosts WHERE stopped_at IS NULL').get() as { n: number }).n === 2;
        } finally {
          db.close();
        }
      },
      { description: 'the second host to register', timeoutMs: 30_000 },
    );
    const clients = [1, 2, 3].map(() => run([worker, '40', dirs.workdir, log], environment));
    const ids = (await Promise.all(clients.map((client) => client.output))).flatMap((stdout) => JSON.parse(stdout) as string[]);
    expect(ids).toHaveLength(120);

    const db = new Database(join(dirs.home, 'claudine.db'), { readonly: true });
    try {
      await waitFor(
        () => (db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE status = 'completed'").get() as { n: number }).n === ids.length,
        { description: 'every task to complete', timeoutMs: 60_000, intervalMs: 100 },
      );
      // Both hosts ran tasks: the claims really competed.
      const owners = db.prepare('SELECT DISTINCT owner FROM task_attempts').all() as Array<{ owner: string }>;
      expect(owners).toHaveLength(2);
      const attempts = (db.prepare('SELECT COUNT(*) AS n FROM task_attempts').get() as { n: number }).n;
      expect(attempts).toBe(ids.length);
    } finally {
      db.close();
    }

    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [kind, id, time] = line.split(' ');
        return { kind, id, time: BigInt(time ?? '0') };
      });
    const startsPerTask = new Map<string, number>();
    for (const event of events) if (event.kind === 'start') startsPerTask.set(event.id ?? '', (startsPerTask.get(event.id ?? '') ?? 0) + 1);
    expect(startsPerTask.size).toBe(ids.length);
    expect([...startsPerTask.values()].every((count) => count === 1)).toBe(true);
    // Walk the runs in time order: never more than `cap` at once, across both hosts.
    let concurrent = 0;
    let peak = 0;
    for (const event of [...events].sort((left, right) => (left.time < right.time ? -1 : left.time > right.time ? 1 : 0))) {
      concurrent += event.kind === 'start' ? 1 : -1;
      peak = Math.max(peak, concurrent);
    }
    expect(peak).toBeLessThanOrEqual(cap);
    expect(peak).toBeGreaterThan(1);
    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    await Promise.all([first.output, second.output]);
  }, 120_000);
});
