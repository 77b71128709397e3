import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminalStatus, type Task } from '@claudine/core';
import { createTempDir, isProcessAlive, type TempDir, waitFor } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { openClaudine } from '../client/client.js';
import { hostEntryPath } from '../client/ensure-host.js';
import { readOutcomeJournal } from './outcome-journal.js';

// A real tmpfs (these tests run as root), filled while tasks run: every write the host then
// makes, to its log, to the database, fails with ENOSPC until the filler is removed.
let temp: TempDir;
let mount: string;
let home: string;
let outside: string;
let environment: Record<string, string | undefined>;
const clients: Claudine[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  temp = createTempDir();
  mount = join(temp.path, 'small-disk');
  mkdirSync(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', mount]);
  home = join(mount, 'home');
  outside = join(temp.path, 'outside');
  mkdirSync(outside);
  environment = {
    ...process.env,
    CLAUDINE_CONCURRENCY: '4',
    CLAUDINE_TIMEOUT_KILL_GRACE: '300ms',
    CLAUDINE_HOST_IDLE_EXIT: '60s',
    CLAUDINE_METRICS_CGROUPS: 'off',
  };
});

afterEach(async () => {
  for (const client of clients.splice(0)) {
    const status = await client.hostStatus().catch(() => undefined);
    if (status?.running === true && status.host !== null && isProcessAlive(status.host.pid)) {
      process.kill(status.host.pid, 'SIGKILL');
      await waitFor(() => !isProcessAlive(status.host?.pid ?? 0), { description: 'the host to exit' });
    }
    client.close();
  }
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  execFileSync('umount', ['-l', mount]);
  temp.remove();
});

function client(autoStartHost = true): Claudine {
  const opened = openClaudine({ home, environment, autoStartHost });
  clients.push(opened);
  return opened;
}

// A task that records its start outside the small disk, then waits for the test's go.
function gatedTask(claudine: Claudine): Promise<Task> {
  return claudine
    .submit({
      prompt: `echo "$CLAUDINE_TASK_ID" >> ${join(outside, 'starts.log')}; while [ ! -e ${join(outside, 'go')} ]; do sleep 0.05; done`,
      agent: 'command',
      cwd: outside,
      maxRetries: 2,
    })
    .then((outcome) => outcome.task);
}

function starts(): string[] {
  const file = join(outside, 'starts.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

// Empties the write-ahead log, so that any later commit needs new room on the disk.
function truncateWal(): void {
  const db = new Database(join(home, 'claudine.db'));
  try {
    for (let tries = 0; tries < 200; tries += 1) {
      const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (row?.busy === 0) return;
    }
    throw new Error('could not truncate the write-ahead log');
  } finally {
    db.close();
  }
}

// Fills the tmpfs to the last byte; returns the filler's path. Then the host log's last page is
// filled too (the host appends to it, so the test's bytes land at its end): whatever the host
// wrote meanwhile, its next log line needs room it cannot get.
function fillDisk(): string {
  const filler = join(mount, 'filler');
  fillUntilFull(filler, 'w', [1024 * 1024, 4096, 1]);
  const hostLog = join(home, 'host.log');
  if (existsSync(hostLog)) fillUntilFull(hostLog, 'a', [512, 1]);
  return filler;
}

function fillUntilFull(path: string, flags: 'w' | 'a', sizes: readonly number[]): void {
  const fd = openSync(path, flags);
  try {
    for (const size of sizes) {
      const chunk = Buffer.alloc(size, flags === 'a' ? '-' : 1);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function runningTogether(claudine: Claudine, count: number): Promise<{ tasks: Task[]; hostPid: number; hostId: string }> {
  const tasks: Task[] = [];
  for (let index = 0; index < count; index += 1) tasks.push(await gatedTask(claudine));
  await waitFor(async () => starts().length === count, { description: `${count} tasks to start` });
  const status = await claudine.hostStatus();
  if (status.host === null) throw new Error('no host runs');
  return { tasks, hostPid: status.host.pid, hostId: status.host.id };
}

// Three tasks end while the disk is full: their ends wait in the host's journal, the database
// refuses them. The filler is left in place for the test to remove.
async function endsOnAFullDisk(claudine: Claudine): Promise<{ tasks: Task[]; hostPid: number; hostId: string; filler: string }> {
  const running = await runningTogether(claudine, 3);
  truncateWal();
  const filler = fillDisk();
  writeFileSync(join(outside, 'go'), '');
  await waitFor(() => readOutcomeJournal(join(home, 'outcomes'), running.hostId).size === 3, {
    description: 'the host to keep the three ends it could not record',
  });
  return { ...running, filler };
}

function finished(claudine: Claudine, id: string): Promise<Task> {
  return waitFor(
    async () => {
      const task = await claudine.get(id);
      return isTerminalStatus(task.status) ? task : undefined;
    },
    { description: `task ${id} to be recorded as finished`, timeoutMs: 20_000 },
  );
}

describe('a host on a disk that fills up', () => {
  it('keeps supervising, keeps the ends it cannot record, and records each once space is back', async () => {
    const claudine = client();
    const { tasks, hostPid, filler } = await endsOnAFullDisk(claudine);
    expect(isProcessAlive(hostPid)).toBe(true);
    for (const task of tasks) expect((await claudine.get(task.id)).status).toBe('running');

    rmSync(filler);
    for (const task of tasks) {
      expect(await finished(claudine, task.id)).toMatchObject({ status: 'completed', exitCode: 0, attempt: 1 });
    }
    // The same host did it all, each task ran once, and the log says what it had to drop.
    expect(isProcessAlive(hostPid)).toBe(true);
    expect((await claudine.hostStatus()).host?.pid).toBe(hostPid);
    expect(starts().sort()).toEqual(tasks.map((task) => task.id).sort());
    await waitFor(
      () => /log lines? (was|were) dropped: could not write the log: ENOSPC/.test(readFileSync(join(home, 'host.log'), 'utf8')),
      {
        description: 'the host log to say lines were dropped',
      },
    );
  }, 60_000);

  it('leaves those ends to the next host when it dies meanwhile: nothing runs twice', async () => {
    const claudine = client();
    const { tasks, hostPid, hostId, filler } = await endsOnAFullDisk(claudine);
    process.kill(hostPid, 'SIGKILL');
    await waitFor(() => !isProcessAlive(hostPid), { description: 'the host to die' });

    rmSync(filler);
    await claudine.ensureHost();
    for (const task of tasks) {
      expect(await finished(claudine, task.id)).toMatchObject({ status: 'completed', exitCode: 0, attempt: 1 });
    }
    expect(starts().sort()).toEqual(tasks.map((task) => task.id).sort());
    expect(existsSync(join(home, 'outcomes', hostId))).toBe(false);
  }, 60_000);

  it("makes a client that cannot start a host print that host's own error, not older log lines", async () => {
    const claudine = client(false);
    await gatedTask(claudine);
    writeFileSync(join(home, 'host.log'), 'an old line from an earlier host\n'.repeat(20));
    truncateWal();
    fillDisk();
    const error = await claudine.ensureHost().then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(error?.message).toMatch(/^The Claudine host failed to start \(exit code 1\): Could not take the host lock .*disk is full/s);
    expect(error?.message).not.toContain('an old line');
  }, 30_000);
});

describe('a host whose stderr is /dev/full', () => {
  it('runs tasks and stays up', async () => {
    const claudine = client(false);
    const full = openSync('/dev/full', 'w');
    const host = spawn(process.execPath, [hostEntryPath(), '--home', home], {
      env: environment as NodeJS.ProcessEnv,
      stdio: ['ignore', full, full],
    });
    children.push(host);
    closeSync(full);
    await waitFor(async () => (await claudine.hostStatus()).host?.pid === host.pid, { description: 'the host to hold the lock' });
    const { task } = await claudine.submit({ prompt: 'echo done', agent: 'command', cwd: outside });
    expect(await finished(claudine, task.id)).toMatchObject({ status: 'completed' });
    expect(host.exitCode).toBeNull();
    expect((await claudine.hostStatus()).running).toBe(true);
  }, 30_000);
});
