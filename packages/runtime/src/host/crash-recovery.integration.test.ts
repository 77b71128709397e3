import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminalStatus, type NewTaskInput } from '@claudine/core';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { findProcessesWithMarker, useTestDirectories, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { openClaudine } from '../client/client.js';
import { hostEntryPath } from '../client/ensure-host.js';
import { startHost } from './host.js';

const dirs = useTestDirectories();
let marker: string;
let environment: Record<string, string | undefined>;
const children: ChildProcess[] = [];

beforeEach(() => {
  marker = `CLAUDINE_CRASH_TEST=${Math.random().toString(36).slice(2)}`;
  const [name, value] = marker.split('=') as [string, string];
  environment = {
    ...process.env,
    [name]: value,
    CLAUDINE_CONCURRENCY: '4',
    CLAUDINE_TIMEOUT_KILL_GRACE: '300ms',
    // Exactly-once is what this test checks: a crashed task must fail, not run again.
    CLAUDINE_RETRY_ON_CRASH: 'false',
  };
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of findProcessesWithMarker(marker)) process.kill(pid, 'SIGKILL');
});

// A small seeded generator, so a failing run can be replayed from the seed it prints.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function startHostProcess(): ChildProcess {
  const child = spawn(process.execPath, [hostEntryPath(), '--home', dirs.home], { env: environment as NodeJS.ProcessEnv, stdio: 'ignore' });
  children.push(child);
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('crash recovery', () => {
  it('loses no acknowledged task and runs none twice across 50 SIGKILLs of the host', async () => {
    const seed = Date.now() % 100_000;
    const next = random(seed);
    const starts = join(dirs.workdir, 'starts.log');
    // Fast, medium and slow tasks, and hanging ones that only a timeout or a kill ends: the
    // hanging ones are what a crashed host would leave behind as orphans.
    const sleeps = { fast: '', medium: '; sleep 0.2', slow: '; sleep 0.6', hang: '; sleep 60' } as const;
    const task = (kind: keyof typeof sleeps): NewTaskInput => ({
      prompt: `echo "$CLAUDINE_TASK_ID" >> ${starts}${sleeps[kind]}`,
      agent: 'command',
      cwd: dirs.workdir,
      priority: kind === 'fast' ? 'P0' : kind === 'medium' ? 'P1' : 'P2',
      maxRetries: 0,
      ...(kind === 'hang' ? { timeoutMs: 1000 } : {}),
    });
    const kinds = ['fast', 'medium', 'slow', 'fast', 'medium', 'hang'] as const;
    const claudine: Claudine = openClaudine({ home: dirs.home, environment, autoStartHost: false });
    const acknowledged = new Set<string>();
    try {
      // A backlog first, then more submitted while the host keeps dying.
      const backlog = await claudine.submitMany(Array.from({ length: 90 }, (_, index) => task(kinds[index % kinds.length] ?? 'fast')));
      for (const item of backlog) acknowledged.add(item.id);

      for (let round = 0; round < 50; round += 1) {
        const host = startHostProcess();
        // Its lifetime counts from when it holds the lock: a loaded machine can take longer to
        // start a host than the longest lifetime, and a host killed before it claims crashes nothing.
        await waitFor(async () => (await claudine.hostStatus()).host?.pid === host.pid, {
          description: `host ${host.pid} to take the lock (seed ${seed})`,
          timeoutMs: 20_000,
          intervalMs: 10,
        });
        const lifetime = 30 + Math.floor(next() * 470);
        const deadline = Date.now() + lifetime;
        while (Date.now() < deadline) {
          const { task: submitted } = await claudine.submit(task(kinds[Math.floor(next() * kinds.length)] ?? 'fast'));
          acknowledged.add(submitted.id);
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(next() * 60)));
        }
        await killHard(host);
      }

      // One last host runs what is left to the end.
      const final = await startHost({ home: dirs.home, environment });
      try {
        await waitFor(
          async () => {
            const counts = await claudine.list({ statuses: ['queued', 'running'], limit: 1 });
            return counts.tasks.length === 0;
          },
          { description: `every task to finish (seed ${seed})`, timeoutMs: 120_000, intervalMs: 200 },
        );
      } finally {
        await final.stop();
      }

      const all = new Map<string, string>();
      for (let cursor: number | null | undefined; cursor !== null; ) {
        const page = await claudine.list({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
        for (const item of page.tasks) all.set(item.id, item.status);
        cursor = page.nextCursor;
      }
      // Nothing acknowledged is lost, and everything ended.
      for (const id of acknowledged) expect(all.has(id), `acknowledged task ${id} is missing (seed ${seed})`).toBe(true);
      expect([...all.values()].every((status) => isTerminalStatus(status as 'queued'))).toBe(true);
      // No task started twice.
      const started = existsSync(starts) ? readFileSync(starts, 'utf8').trim().split('\n').filter(Boolean) : [];
      const duplicates = started.filter((id, index) => started.indexOf(id) !== index);
      expect(duplicates, `tasks that started twice (seed ${seed})`).toEqual([]);
      // Every completed task really ran; crashes happened and were recorded as such.
      for (const [id, status] of all) if (status === 'completed') expect(started).toContain(id);
      const crashed = (await claudine.list({ statuses: ['failed'], limit: 1000 })).tasks.filter((item) => item.failureReason === 'crashed');
      expect(crashed.length).toBeGreaterThan(0);
      expect((await claudine.list({ statuses: ['completed'], limit: 1 })).tasks.length).toBe(1);
      // No process of any run is left, and the database is sound.
      await waitFor(() => findProcessesWithMarker(marker).length === 0, { description: 'every task process to be gone' });
      const store = SqliteTaskStore.open({ path: join(dirs.home, 'claudine.db') });
      try {
        const report = await store.checkIntegrity();
        expect(report.problems).toEqual([]);
      } finally {
        store.close();
      }
    } finally {
      claudine.close();
    }
  }, 240_000);
});
