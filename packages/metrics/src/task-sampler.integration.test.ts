import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fixture,
  isWithin,
  measureReference,
  node,
  referencedCommand,
  runMeasured,
  runMeasuredAgainstReference,
  startMeasured,
} from './measure.test-helper.js';
import { createTaskSampler, createUnmeasuredSampler, type TaskSampler } from './task-sampler.js';

const probe = createTaskSampler({ cgroups: 'auto', intervalMs: 0, name: `probe-${process.pid}` });
const cgroupsAvailable = probe.cgroupsUnavailable === null;
probe.close();

let temp: TempDir;
let sampler: TaskSampler | undefined;

beforeEach(() => {
  temp = createTempDir();
});

afterEach(() => {
  sampler?.close();
  sampler = undefined;
  temp.remove();
});

const burn = (seconds: number) => `${node} ${JSON.stringify(fixture('burn-cpu.mjs'))} ${seconds}`;
const cpuMs = (usage: { cpuUserMs: number | null; cpuSystemMs: number | null }) => (usage.cpuUserMs ?? 0) + (usage.cpuSystemMs ?? 0);

// Each mode is held to the same figures: with a cgroup per task where this machine allows one
// (`auto`), and with /proc alone (`off`), which is what hosts without cgroup rights use.
describe.each(['auto', 'off'] as const)('task sampler with cgroups %s, against /usr/bin/time -v (or the kernel counters)', (cgroups) => {
  const open = (intervalMs = 200): TaskSampler => {
    sampler = createTaskSampler({ cgroups, intervalMs, name: `test-${process.pid}` });
    return sampler;
  };

  it('measures the CPU time of a task whose children exit between samples', async () => {
    const measured = open();
    expect(measured.method).toBe(cgroups === 'auto' && measured.cgroupsUnavailable === null ? 'cgroup+proc' : 'proc');
    // Two children burn in parallel and are reaped by the shell, then the leader's last child
    // burns until the very end: every part must survive its process.
    const command = `${burn(0.4)} & ${burn(0.4)}; wait; ${burn(0.5)}`;
    const { usage, reference } = await runMeasuredAgainstReference(measured, 'cpu', command, temp.path);
    const expected = reference.userMs + reference.systemMs;
    expect(expected).toBeGreaterThan(1200);
    expect(isWithin(cpuMs(usage), expected, 0.1), `sampler ${cpuMs(usage)} ms, ${reference.source} ${expected} ms`).toBe(true);
    expect(usage.processesSeen).toBeGreaterThanOrEqual(2);
    expect(usage.samples).toBeGreaterThan(2);
  });

  it('measures the peak memory of a grandchild, summed over the tree', async () => {
    const measured = open();
    // sh -> sh -> node: the shells are small, so the tree's peak is the grandchild's.
    const command = `sh -c "${node.replaceAll('"', '\\"')} ${fixture('hold-memory.mjs')} 256 1200; true"; true`;
    const usage = await runMeasured(measured, 'memory', command, temp.path);
    const reference = await measureReference(command, temp.path);
    expect(reference.maxResidentBytes).toBeGreaterThan(256 * 1024 * 1024);
    expect(
      isWithin(usage.memoryPeakBytes ?? 0, reference.maxResidentBytes, 0.1),
      `sampler ${usage.memoryPeakBytes} B, ${reference.source} ${reference.maxResidentBytes} B`,
    ).toBe(true);
    expect(usage.memoryAverageBytes).toBeGreaterThan(0);
    expect(usage.memoryAverageBytes).toBeLessThanOrEqual(usage.memoryPeakBytes ?? 0);
    expect(usage.processesPeak).toBe(3);
  });

  it('measures the I/O of processes that exit before the last sample', async () => {
    const measured = open();
    const write = (file: string, mebibytes: number) =>
      `${node} ${JSON.stringify(fixture('write-file.mjs'))} ${JSON.stringify(join(temp.path, file))} ${mebibytes}`;
    const command = `${write('a', 24)} & ${write('b', 16)}; wait`;
    const usage = await runMeasured(measured, 'io', command, temp.path);
    const written = 40 * 1024 * 1024;
    const reference = await measureReference(command, temp.path, { writtenBytes: written });
    expect(usage.writeBytes).toBeGreaterThanOrEqual(written);
    // Each file is read back whole; node itself reads its modules too.
    expect(usage.readBytes).toBeGreaterThanOrEqual(written);
    expect(usage.writeOps).toBeGreaterThanOrEqual(40);
    const outputs = (usage.diskWriteBytes ?? 0) / 512;
    expect(
      isWithin(outputs, reference.fileSystemOutputs, 0.1, 64),
      `sampler ${outputs} blocks written, ${reference.source} ${reference.fileSystemOutputs}`,
    ).toBe(true);
  });

  it('gives figures to a task shorter than one sampling interval', async () => {
    const measured = open(1000);
    const command = burn(0.25);
    const started = Date.now();
    const { usage, reference } = await runMeasuredAgainstReference(measured, 'short', command, temp.path);
    const elapsed = Date.now() - started;
    const expected = reference.userMs + reference.systemMs;
    // On a loaded machine the task may take longer than an interval; the figures must hold anyway.
    expect(elapsed, 'the task should usually end within one interval').toBeLessThan(5000);
    expect(isWithin(cpuMs(usage), expected, 0.1, 20), `sampler ${cpuMs(usage)} ms, ${reference.source} ${expected} ms`).toBe(true);
    expect(usage.memoryPeakBytes).toBeGreaterThan(0);
    expect(usage.processesSeen).toBeGreaterThanOrEqual(1);
    const instant = await runMeasured(measured, 'instant', 'true', temp.path);
    expect(instant.cpuUserMs).not.toBeNull();
    expect(instant.samples).toBeGreaterThanOrEqual(1);
    expect(instant.processesSeen).toBe(1);
  });

  it('keeps counting a process that outlives the leader in its session', async () => {
    const measured = open();
    startMeasured(measured, 'orphan', `${burn(0.6)} & exit 0`, temp.path);
    // The leader exits at once; its child is adopted by init and burns on alone.
    await waitFor(
      () => {
        measured.sampleAll();
        const usage = measured.usage('orphan');
        return usage !== undefined && usage.samples > 2 && usage.processesCurrent === 0;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: 'the orphan to finish' },
    );
    const usage = measured.finish('orphan');
    // Through /proc an orphan is counted up to its last sample; a cgroup counts it exactly.
    expect(cpuMs(usage)).toBeGreaterThan(cgroups === 'auto' && measured.cgroupsUnavailable === null ? 540 : 300);
  });
});

describe('task sampler attributing reaped leaders', () => {
  it("gives a reaped leader's CPU time to its own task, not to one still running, whenever it was tracked", async () => {
    const command = burn(0.5);
    // /proc alone: a leader's CPU after its last sample comes only from the reaped-children
    // counters, so any misattribution shows.
    sampler = createTaskSampler({ cgroups: 'off', intervalMs: 0 });
    const measured = sampler;
    const idle = startMeasured(measured, 'idle', 'sleep 30', temp.path);
    const { usage, reference } = await runMeasuredAgainstReference(measured, 'burner', command, temp.path);
    const expected = reference.userMs + reference.systemMs;
    expect(isWithin(cpuMs(usage), expected, 0.1, 20), `sampler ${cpuMs(usage)} ms, ${reference.source} ${expected} ms`).toBe(true);
    // A leader reaped before it is tracked holds its figures until it is, then gets them.
    const early = referencedCommand(command, temp.path, 'early');
    const child = spawn('/bin/sh', ['-c', early.command], { cwd: temp.path, stdio: 'ignore' });
    const pid = child.pid ?? 0;
    await new Promise((resolve) => child.once('exit', resolve));
    measured.track('early', pid, Date.now());
    const late = measured.finish('early');
    const earlyReference = await early.reference();
    const earlyExpected = earlyReference.userMs + earlyReference.systemMs;
    expect(isWithin(cpuMs(late), earlyExpected, 0.1, 20), `sampler ${cpuMs(late)} ms, ${earlyReference.source} ${earlyExpected} ms`).toBe(
      true,
    );
    idle.kill('SIGKILL');
    await new Promise((resolve) => idle.once('exit', resolve));
    expect(cpuMs(measured.finish('idle'))).toBeLessThan(50);
  });
});

describe('task sampler bookkeeping', () => {
  it('marks a task that never started as unmeasured', () => {
    sampler = createTaskSampler({ cgroups: 'off', intervalMs: 0 });
    const usage = sampler.finish('never');
    expect(usage.method).toBe('none');
    expect(usage.missing.map((entry) => entry.figure)).toEqual(['cpu', 'memory', 'io', 'processes']);
  });

  it.runIf(cgroupsAvailable)('gives back a cgroup reserved for a task whose process never started', () => {
    sampler = createTaskSampler({ cgroups: 'auto', intervalMs: 0, name: `test-${process.pid}-unused` });
    const cgroup = sampler.reserveCgroup('never');
    expect(cgroup).toBeDefined();
    expect(sampler.finish('never').method).toBe('none');
    // Given back: the next task gets the same (empty) cgroup.
    expect(sampler.reserveCgroup('next')).toBe(cgroup);
    expect(sampler.finish('next').method).toBe('none');
  });

  it('stops tracking finished tasks and leaves no cgroup behind', async () => {
    sampler = createTaskSampler({ cgroups: 'auto', intervalMs: 50, name: `test-${process.pid}-tidy` });
    await runMeasured(sampler, 'one', 'true', temp.path);
    expect(sampler.tracked).toEqual([]);
    expect(sampler.usage('one')).toBeUndefined();
  });
});

describe('a platform without /proc', () => {
  it('runs tasks unmeasured and names every missing figure and why', () => {
    const unmeasured = createUnmeasuredSampler('darwin');
    expect(unmeasured.method).toBe('none');
    expect(unmeasured.reserveCgroup('task')).toBeUndefined();
    unmeasured.track('task', process.pid, Date.now());
    const usage = unmeasured.finish('task');
    expect(usage).toMatchObject({ cpuUserMs: null, memoryPeakBytes: null, readBytes: null, processesSeen: null, samples: 0 });
    expect(usage.missing.map((entry) => entry.figure)).toEqual(['cpu', 'memory', 'io', 'processes']);
    expect(usage.missing[0]?.reason).toContain('not measured on darwin');
  });
});
