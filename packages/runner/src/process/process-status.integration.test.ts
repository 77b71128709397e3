import { spawn } from 'node:child_process';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createPsProcessSource, parseProcStat, systemProcessSource } from './process-status.js';
import { createProcessTreeWatcher } from './process-tree-watcher.js';

function sleeper(env: Record<string, string> = {}, detached = false) {
  const child = spawn('sh', ['-c', 'sleep 30 & wait'], { env: { ...process.env, ...env }, stdio: 'ignore', detached });
  onTestFinished(() => {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  });
  return child;
}

describe('/proc', () => {
  it('parses a stat line whose command name has spaces and parentheses', () => {
    const line = '4242 (my (odd) name) S 10 20 30 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0';
    expect(parseProcStat(4242, line)).toMatchObject({
      pid: 4242,
      parentPid: 10,
      groupId: 20,
      sessionId: 30,
      startOrder: 987654,
      exited: false,
    });
    expect(parseProcStat(4242, line.replace(') S ', ') Z '))?.exited).toBe(true);
  });

  it('reads this process and a variable of a child, matching whole names only', async () => {
    const source = systemProcessSource();
    expect(source.status(process.pid)).toMatchObject({ pid: process.pid, parentPid: process.ppid });
    expect(source.listPids()).toContain(process.pid);
    const child = sleeper({ CLAUDINE_TASK_ID: 'abc', OTHER_CLAUDINE_TASK_ID: 'no' });
    const pid = child.pid as number;
    await waitFor(() => source.environmentValue(pid, 'CLAUDINE_TASK_ID') !== undefined, { description: 'the child to exec' });
    expect(source.environmentValue(pid, 'CLAUDINE_TASK_ID')).toBe('abc');
    expect(source.environmentValue(pid, 'MISSING_VARIABLE')).toBeUndefined();
    const status = source.status(pid);
    expect(status?.startOrder).toBeGreaterThanOrEqual(source.status(process.pid)?.startOrder ?? 0);
    expect(source.startOrder(status?.startTime ?? '')).toBe(status?.startOrder);
    expect(source.startOrder('another-boot:123')).toBeUndefined();
  });
});

describe('ps (the source used off Linux)', () => {
  it('lists processes with their parent and group', () => {
    const source = createPsProcessSource();
    expect(source.listPids()).toContain(process.pid);
    expect(source.listedStatus(process.pid)).toMatchObject({ pid: process.pid, parentPid: process.ppid, exited: false });
    const status = source.status(process.pid);
    expect(status?.groupId).toBeGreaterThan(0);
    expect(source.startOrder(status?.startTime ?? '')).toBe(status?.startOrder);
  });

  it('is enough to follow a tree by parent and group', async () => {
    const child = sleeper({}, true);
    const watcher = createProcessTreeWatcher({ source: createPsProcessSource() });
    onTestFinished(() => watcher.close());
    const root = { pid: child.pid as number, startTime: createPsProcessSource().status(child.pid as number)?.startTime ?? null };
    const tree = watcher.track(root);
    // The shell and its sleep.
    const members = await waitFor(() => {
      const live = tree.refresh({ force: true });
      return live.length === 2 ? live : undefined;
    });
    expect(members.map((member) => member.pid)).toContain(root.pid);
    expect(members.every((member) => member.groupId === root.pid)).toBe(true);
  });
});
