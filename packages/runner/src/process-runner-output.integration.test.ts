import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputEvent, RunResult, Task } from '@claudine/core';
import { useTestDirectories } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { createFileOutputStore } from './output/file-output-store.js';
import { type LogFileSystem, nodeLogFileSystem } from './output/log-file-system.js';
import { readAll } from './output/output-logs.test-helper.js';
import { createProcessRunner, type ProcessRunnerOptions } from './process-runner.js';
import { runningTask } from './runs.test-helper.js';

// Output capture with real processes: volume, several tasks at once, the cap, a failing disk.

const dirs = useTestDirectories();

function commandTask(prompt: string): Task {
  return runningTask({ prompt, cwd: dirs.workdir, timeoutMs: 300_000 });
}

async function run(prompts: string[], options: Partial<ProcessRunnerOptions> = {}) {
  const events: OutputEvent[] = [];
  const runner = createProcessRunner({ logsDirectory: dirs.logs, onOutputEvent: (event) => events.push(event), ...options });
  const tasks = prompts.map(commandTask);
  const results: RunResult[] = await Promise.all(tasks.map((task) => runner.start(task).done));
  const captured = (task: Task) => {
    const event = events.find((candidate) => candidate.kind === 'capture_finished' && candidate.taskId === task.id);
    if (event?.kind !== 'capture_finished') throw new Error(`no capture_finished for ${task.id}`);
    return event;
  };
  return { tasks, results, events, captured };
}

// A 64-byte line, repeated by `yes` and cut to an exact size by `head`.
const LINE = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.';
const print = (bytes: number, line = LINE) => `yes '${line}' | head -c ${bytes}`;

describe('output capture', () => {
  it('captures a task that prints 1 GiB, in 100 MiB segments, whole', async () => {
    const { tasks, results, captured } = await run([print(1024 ** 3)]);
    const task = tasks[0] as Task;
    expect(results[0]).toMatchObject({ exitCode: 0, failure: null, outputTruncated: false });
    expect(captured(task)).toMatchObject({ capturedBytes: { stdout: 1024 ** 3, stderr: 0 }, droppedBytes: 0, truncatedReason: null });
    const segments = readdirSync(join(dirs.logs, task.id)).sort();
    expect(segments).toHaveLength(11);
    const store = createFileOutputStore(dirs.logs);
    const tail = await store.tail(task.id, 2, { streams: ['stdout'] });
    expect(tail.records.map((record) => record.text).join('')).toBe(`${LINE}\n${LINE}\n`);
    // Reading from a segment boundary gives the records that follow it, intact.
    const middle = await store.read(task.id, {
      offset: Number((segments[6] as string).slice(0, 20)),
      streams: ['stdout'],
      maxBytes: 256 * 1024,
    });
    const text = middle.records.map((record) => record.text).join('');
    expect(text.length).toBeGreaterThanOrEqual(256 * 1024);
    expect(text.replaceAll(`${LINE}\n`, '').length).toBeLessThan(2 * LINE.length);
  }, 180_000);

  it('captures several tasks printing at once, each stream in order and complete', async () => {
    const size = 24 * 1024 ** 2;
    const interleaved = `awk 'BEGIN { for (i = 1; i <= 20000; i++) { print "out " i; fflush(); print "err " i > "/dev/stderr"; fflush("/dev/stderr") } }'`;
    const { tasks, results, captured } = await run([print(size), print(size, 'second task'), interleaved, print(size, 'fourth')], {
      segmentBytes: 4 * 1024 ** 2,
    });
    expect(results.every((result) => result.exitCode === 0 && !result.outputTruncated)).toBe(true);
    for (const index of [0, 1, 3]) expect(captured(tasks[index] as Task).capturedBytes.stdout).toBe(size);
    const store = createFileOutputStore(dirs.logs);
    const expected = (prefix: string) => Array.from({ length: 20000 }, (_, index) => `${prefix} ${index + 1}\n`).join('');
    const awk = tasks[2] as Task;
    expect((await readAll(store, awk.id, { streams: ['stdout'] })).text).toBe(expected('out'));
    expect((await readAll(store, awk.id, { streams: ['stderr'] })).text).toBe(expected('err'));
    const second = await readAll(store, (tasks[1] as Task).id, { streams: ['stdout'] });
    expect(second.text.length).toBe(size);
    expect(second.text.startsWith('second task\nsecond task\n')).toBe(true);
    expect(second.damage).toEqual([]);
  }, 120_000);

  it('drops output beyond the per-task cap, counts it, flags the run, and lets the task finish', async () => {
    const marker = join(dirs.workdir, 'finished');
    const { tasks, results, captured } = await run([`${print(8 * 1024 ** 2)}; echo late >&2; touch ${marker}`], {
      maxOutputBytesPerTask: 1024 ** 2,
    });
    expect(results[0]).toMatchObject({ exitCode: 0, failure: null, outputTruncated: true });
    expect(existsSync(marker)).toBe(true);
    const event = captured(tasks[0] as Task);
    expect(event.truncatedReason).toMatch(/cap of 1 MiB per task/);
    expect(event.capturedBytes.stdout + event.droppedBytes).toBe(8 * 1024 ** 2 + 'late\n'.length);
    expect(event.capturedBytes.stdout).toBeLessThanOrEqual(1024 ** 2);
    const system = await readAll(createFileOutputStore(dirs.logs), (tasks[0] as Task).id, { streams: ['system'] });
    expect(system.text).toMatch(/reached the cap of 1 MiB/);
    expect(system.text).toMatch(/of output dropped/);
    expect(system.text).toMatch(/exited with code 0/);
  }, 60_000);

  it('keeps a task running to its end when writing its log fails, and says why', async () => {
    let budget = 256 * 1024;
    const failing: LogFileSystem = {
      ...nodeLogFileSystem,
      async writev(fd, buffers, position) {
        const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
        if (total > budget) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
        budget -= total;
        return nodeLogFileSystem.writev(fd, buffers, position);
      },
    };
    const marker = join(dirs.workdir, 'ran to the end');
    const { tasks, results, captured } = await run([`${print(16 * 1024 ** 2)}; touch '${marker}'`], { logFileSystem: failing });
    expect(results[0]).toMatchObject({ exitCode: 0, failure: null, outputTruncated: true });
    expect(existsSync(marker)).toBe(true);
    const event = captured(tasks[0] as Task);
    expect(event.truncatedReason).toMatch(/writing the log failed: EIO/);
    expect(event.capturedBytes.stdout + event.droppedBytes).toBe(16 * 1024 ** 2);
    const log = await readAll(createFileOutputStore(dirs.logs), (tasks[0] as Task).id);
    expect(log.damage).toEqual([]);
    expect(log.text.startsWith('[claudine] attempt 1')).toBe(true);
  }, 60_000);
});
