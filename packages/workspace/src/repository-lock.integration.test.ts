import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLockFile, processStartTime } from './lock-file.js';
import { createWorkspace } from './workspace.js';
import { expectOk, workspaceFixture } from './workspace.test-helper.js';

interface GitCall {
  readonly pid: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly args: string;
}

// A git that records when each call starts and ends, to see whether two calls ever overlapped.
function recordingGit(directory: string): { executable: string; calls(): GitCall[] } {
  const log = join(directory, 'git-calls.log');
  const executable = join(directory, 'recording-git');
  writeFileSync(
    executable,
    `#!/bin/sh\necho "start $$ $(date +%s%N) $*" >> ${log}\ngit "$@"\nstatus=$?\necho "end $$ $(date +%s%N)" >> ${log}\nexit $status\n`,
  );
  chmodSync(executable, 0o755);
  writeFileSync(log, '');
  return {
    executable,
    calls() {
      const starts = new Map<number, { start: bigint; args: string }>();
      const calls: GitCall[] = [];
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        const [kind, pid, time, ...args] = line.split(' ');
        if (kind === 'start') starts.set(Number(pid), { start: BigInt(time ?? 0), args: args.join(' ') });
        if (kind === 'end') {
          const started = starts.get(Number(pid));
          if (started !== undefined) calls.push({ pid: Number(pid), start: started.start, end: BigInt(time ?? 0), args: started.args });
        }
      }
      return calls;
    },
  };
}

describe('serialising git calls per repository', () => {
  it('never overlaps two writers, from one workspace or from two sharing a lock directory, and every creation succeeds', async () => {
    const { repository, worktreePath } = workspaceFixture();
    const git = recordingGit(repository.scratch);
    const lockDirectory = join(repository.scratch, 'locks');
    // Two workspaces stand for two processes (the host and a CLI): separate queues, one lock directory.
    const host = createWorkspace({ lockDirectory, git: git.executable });
    const cli = createWorkspace({ lockDirectory, git: git.executable });
    const base = repository.revParse();
    repository.write({ '.env': 'SECRET=1\n', '.worktreeinclude': '.env\n' });
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((id, index) =>
        (index % 2 === 0 ? host : cli).createWorktree({
          repository: repository.path,
          path: worktreePath(id),
          branch: `claudine/${id}`,
          baseCommit: base,
        }),
      ),
    );
    for (const result of results) expect(expectOk(result).copied).toEqual(['.env']);
    // Reads may run beside a write (a creation lists what to copy while git makes its worktree); writes never overlap.
    const writes = git.calls().filter((call) => call.args.includes('worktree add'));
    expect(writes).toHaveLength(6);
    const overlapping = writes.flatMap((call) =>
      writes.filter((other) => other !== call && other.start < call.end && call.start < other.end),
    );
    expect(overlapping).toEqual([]);
  });

  it('waits for a live process holding the lock file, and takes it once that process is gone', async () => {
    const { repository } = workspaceFixture();
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = holder.pid as number;
    const path = join(repository.scratch, 'held.lock');
    writeFileSync(
      path,
      JSON.stringify({ pid, startTime: processStartTime(pid), host: hostname(), token: 'theirs', acquiredAt: Date.now() }),
    );
    // Alive: a short wait gives up instead of taking it.
    await expect(acquireLockFile(path, { timeoutMs: 150, description: 'the test repository' })).rejects.toMatchObject({
      code: 'workspace_locked',
    });
    const waiting = acquireLockFile(path, { timeoutMs: 30_000, description: 'the test repository' });
    holder.kill('SIGKILL');
    const held = await waiting;
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    held.release();
    expect(() => readFileSync(path)).toThrow();
  });

  it('breaks the lock of a dead process at once, and times out on a live one with a message naming it', async () => {
    const { repository } = workspaceFixture();
    const path = join(repository.scratch, 'stale.lock');
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(path, JSON.stringify({ pid: dead.pid, startTime: '1', host: hostname(), token: 'dead', acquiredAt: 0 }));
    (await acquireLockFile(path, { timeoutMs: 1_000, description: 'the test repository' })).release();

    // A pid that is alive but started at another time is a reused pid: the lock is stale too.
    writeFileSync(path, JSON.stringify({ pid: process.pid, startTime: 'another', host: hostname(), token: 'reused', acquiredAt: 0 }));
    (await acquireLockFile(path, { timeoutMs: 1_000, description: 'the test repository' })).release();

    writeFileSync(
      path,
      JSON.stringify({ pid: process.ppid, startTime: processStartTime(process.ppid), host: hostname(), token: 'live', acquiredAt: 0 }),
    );
    await expect(acquireLockFile(path, { timeoutMs: 200, description: 'the test repository' })).rejects.toMatchObject({
      code: 'workspace_locked',
      message: expect.stringContaining(`locked by process ${process.ppid}`),
    });
  });
});
