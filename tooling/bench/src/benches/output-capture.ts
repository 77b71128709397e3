import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@claudine/core';
import { type Benchmark, type Figure, median } from '../harness.js';
import { benchWorkdir, startBenchHost } from '../support/bench-host.js';
import { processMemory } from '../support/process-memory.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const REPEATS = 5;
const TASKS_AT_ONCE = 8;
// `yes` prints a 64-byte line as fast as a pipe takes it; `head` cuts it at exactly 1 GiB.
const print = (bytes: number) => `yes '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.' | head -c ${bytes}`;

function runShell(command: string, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} exited with ${code}`))));
  });
}

// The floor for any capture in Node: the same command read from its pipe and thrown away.
function readAndDiscard(command: string, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', () => {});
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} exited with ${code}`))));
  });
}

const span = (tasks: readonly Task[]) =>
  Math.max(...tasks.map((task) => task.finishedAt ?? 0)) - Math.min(...tasks.map((task) => task.startedAt ?? 0));

/**
 * Output capture at volume: one task printing 1 GiB, then eight at once, through a real host
 * (a detached process, as clients start it) into segmented logs; the host's peak resident memory
 * comes from /proc/<pid>/status (VmHWM).
 */
export const outputCapture: Benchmark = {
  name: 'output-capture',
  description:
    "Tasks printing 1 GiB each (`yes | head -c 1G`) captured by a real host into 100 MiB segments, against the same command writing straight to a file (`> file`) in the same run. Throughput is bytes over the task's run (spawn to exit); memory is the host process's peak RSS (VmHWM).",
  async run({ scratch, log }) {
    const workdir = benchWorkdir(scratch);
    const figures: Figure[] = [];

    const host = await startBenchHost(join(scratch, 'home'), { CLAUDINE_CONCURRENCY: String(TASKS_AT_ONCE) }, workdir);
    const idle = processMemory(host.pid).current;
    try {
      const captured: number[] = [];
      const direct: number[] = [];
      const discarded: number[] = [];
      for (let repeat = 0; repeat < REPEATS; repeat += 1) {
        direct.push(await runShell(`${print(GIB)} > direct.out`, workdir));
        rmSync(join(workdir, 'direct.out'));
        discarded.push(await readAndDiscard(print(GIB), workdir));
        const task = await host.run(print(GIB));
        captured.push((task.finishedAt ?? 0) - (task.startedAt ?? 0));
        host.removeLog(task);
        log(
          `1 GiB: shell ${Math.round(direct.at(-1) ?? 0)} ms, Node pipe reader ${Math.round(discarded.at(-1) ?? 0)} ms, captured ${captured.at(-1)} ms`,
        );
      }
      const mbPerSecond = (bytes: number, ms: number) => bytes / MIB / (ms / 1000);
      // The same capture against two baselines: writing a file, and only draining the pipe.
      for (const { metric, samples, baselineLabel, target } of [
        { metric: 'capture, one task printing 1 GiB', samples: direct, baselineLabel: 'shell `> file`', target: '>= 50% of baseline' },
        {
          metric: 'capture, one task printing 1 GiB, against reading its pipe only',
          samples: discarded,
          baselineLabel: 'Node reading the pipe, discarding',
        },
      ]) {
        figures.push({
          metric,
          value: mbPerSecond(GIB, median(captured)),
          unit: 'MiB/s',
          baseline: mbPerSecond(GIB, median(samples)),
          baselineLabel,
          ...(target === undefined ? {} : { target }),
          better: 'higher',
        });
      }

      const directAtOnce = performance.now();
      await Promise.all(Array.from({ length: TASKS_AT_ONCE }, (_, index) => runShell(`${print(GIB)} > direct-${index}.out`, workdir)));
      const directAtOnceMs = performance.now() - directAtOnce;
      for (let index = 0; index < TASKS_AT_ONCE; index += 1) rmSync(join(workdir, `direct-${index}.out`));
      const tasks = await host.runAll(Array.from({ length: TASKS_AT_ONCE }, () => print(GIB)));
      const peak = processMemory(host.pid).peak;
      log(`8 x 1 GiB: shell ${Math.round(directAtOnceMs)} ms, captured ${span(tasks)} ms, host peak RSS ${Math.round(peak / MIB)} MiB`);
      for (const task of tasks) host.removeLog(task);
      figures.push({
        metric: `capture, ${TASKS_AT_ONCE} tasks printing 1 GiB at once (total)`,
        value: mbPerSecond(TASKS_AT_ONCE * GIB, span(tasks)),
        unit: 'MiB/s',
        baseline: mbPerSecond(TASKS_AT_ONCE * GIB, directAtOnceMs),
        baselineLabel: `${TASKS_AT_ONCE} shells \`> file\``,
        better: 'higher',
      });
      figures.push({
        metric: `host peak RSS, ${TASKS_AT_ONCE} x 1 GiB at once`,
        value: peak / MIB,
        unit: 'MiB',
        baseline: idle / MIB,
        baselineLabel: 'the idle host',
        target: '< 150 MiB',
        better: 'lower',
      });
    } finally {
      await host.stop();
    }

    // The same with every segment compressed as soon as it is closed: compression shares the
    // host's event loop with capture, and must not cost memory either.
    const compressing = await startBenchHost(
      join(scratch, 'home-compressing'),
      { CLAUDINE_CONCURRENCY: String(TASKS_AT_ONCE), CLAUDINE_OUTPUT_COMPRESSION_AGE: '0' },
      workdir,
    );
    try {
      const tasks = await compressing.runAll(Array.from({ length: TASKS_AT_ONCE }, () => print(GIB)));
      const logs = join(compressing.home, 'logs');
      const started = Math.min(...tasks.map((task) => task.startedAt ?? 0));
      for (;;) {
        const plain = tasks.flatMap((task) => readdirSync(join(logs, task.id))).filter((name) => name.endsWith('.log'));
        if (plain.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const allCompressed = Date.now() - started;
      const peak = processMemory(compressing.pid).peak;
      log(`8 x 1 GiB compressed at once: all compressed after ${allCompressed} ms, host peak RSS ${Math.round(peak / MIB)} MiB`);
      for (const task of tasks) compressing.removeLog(task);
      figures.push({
        metric: `host peak RSS, ${TASKS_AT_ONCE} x 1 GiB at once, compressing as segments close`,
        value: peak / MIB,
        unit: 'MiB',
        target: '< 150 MiB',
        better: 'lower',
      });
      figures.push({
        metric: `${TASKS_AT_ONCE} x 1 GiB captured and compressed (first start to last segment compressed)`,
        value: (TASKS_AT_ONCE * GIB) / MIB / (allCompressed / 1000),
        unit: 'MiB/s',
        better: 'higher',
      });
    } finally {
      await compressing.stop();
    }
    return figures;
  },
};
