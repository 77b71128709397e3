import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@claudine/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { openTaskCgroups, type TaskCgroup, type TaskCgroups } from './task-cgroups.js';

const probe = openTaskCgroups({ name: `probe-${process.pid}` });
if (probe.ok) probe.cgroups.close();

let cgroups: TaskCgroups | undefined;
afterEach(() => {
  cgroups?.close();
  cgroups = undefined;
});

function open(suffix: string): TaskCgroups {
  const opened = openTaskCgroups({ name: `test-${process.pid}-${suffix}` });
  if (!opened.ok) throw new Error(opened.reason);
  cgroups = opened.cgroups;
  return opened.cgroups;
}

// Runs `command` with its arguments inside `group`: the child moves itself there, then execs.
const inside = (group: TaskCgroup, command: string, ...args: string[]): [string, string[]] => [
  '/bin/sh',
  ['-c', 'echo $$ > "$0"; exec "$@"', join(group.path, 'cgroup.procs'), command, ...args],
];

const cpuMs = (cpu: { userMicroseconds: number; systemMicroseconds: number } | undefined): number =>
  cpu === undefined ? Number.NaN : (cpu.userMicroseconds + cpu.systemMicroseconds) / 1000;

// Where this process may manage cgroups (root, or a delegated cgroup), which CI machines allow.
describe.runIf(probe.ok)('task cgroups', () => {
  it('hands an emptied cgroup to the next task, which is charged only for its own CPU', () => {
    const groups = open('reuse');
    const first = groups.create();
    if (first === undefined) throw new Error('no cgroup');
    spawnSync(...inside(first, 'sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'));
    expect(cpuMs(first.cpu())).toBeGreaterThan(50);
    expect(first.remove()).toBe(true);
    expect(first.remove()).toBe(true);

    const second = groups.create();
    expect(second?.path).toBe(first.path);
    expect(cpuMs(second?.cpu())).toBeLessThan(5);
    if (second === undefined) throw new Error('no cgroup');
    spawnSync(...inside(second, 'true'));
    expect(cpuMs(second?.cpu())).toBeLessThan(20);
    // Given back once, even when asked twice: no two tasks ever share it.
    expect(groups.create()?.path).not.toBe(first.path);
  });

  it("never hands one cgroup to two hosts of one process, even after one removed the other's spares", () => {
    const name = `test-${process.pid}-shared`;
    const first = open('shared');
    const spare = first.create();
    expect(spare?.remove()).toBe(true);
    // A second host opening the same parent removes the empty groups it finds there.
    const opened = openTaskCgroups({ name });
    if (!opened.ok) throw new Error(opened.reason);
    try {
      const theirs = opened.cgroups.create();
      const ours = first.create();
      expect(ours?.path).toMatch(/\/task-[0-9a-f]{12}$/);
      expect(theirs?.path).toMatch(/\/task-[0-9a-f]{12}$/);
      expect(ours?.path).not.toBe(theirs?.path);
    } finally {
      opened.cgroups.close();
    }
  });

  it('keeps a cgroup while a process of its task lives in it', async () => {
    const groups = open('busy');
    const group = groups.create();
    if (group === undefined) throw new Error('no cgroup');
    const child = spawn(...inside(group, 'sleep', '30'), { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => group.processIds()?.includes(child.pid ?? 0) === true, { description: 'the child to enter its cgroup' });
    expect(group.processIds()).toEqual([child.pid]);
    expect(group.remove()).toBe(false);
    expect(groups.create()?.path).not.toBe(group.path);
    child.kill('SIGKILL');
    await exited;
    expect(group.remove()).toBe(true);
    const next = groups.create();
    expect(next?.path).toBe(group.path);
    // Told it is empty (its cgroup.procs was just read), it is given back without another read.
    expect(next?.processIds()).toEqual([]);
    expect(next?.remove(true)).toBe(true);
    expect(groups.create()?.path).toBe(group.path);
  });
});
