import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTaskId, type TaskMetrics } from '@claudine/core';
import { createTaskSampler, type TaskSampler } from '@claudine/metrics';
import { SqliteMetricsStore, SqliteTaskStore } from '@claudine/store-sqlite';
import { newTaskFixture, taskMetricsFixture } from '@claudine/task-fixtures';
import type { Benchmark, Figure } from '../harness.js';

// The host's defaults: one sample of every running task per second.
const INTERVAL_MS = 1000;
// Long enough for ten ticks of the default interval.
const WINDOW_MS = 10_000;
const TASK_COUNTS = [1, 16, 64] as const;
// Each task is a small tree, like an agent with a tool running: a shell and two children.
const TASK_COMMAND = 'sleep 3600 & sleep 3600 & wait';

interface RunningTasks {
  readonly ids: readonly string[];
  readonly children: readonly ChildProcess[];
  stop(): Promise<void>;
}

/**
 * What sampling costs the host: its CPU time while N tasks run and a sampler takes one sample
 * of all of them per second and writes their live figures to SQLite, as the host does; the
 * baseline is the same process with the same tasks running, not sampled, over the same window.
 */
export const metricsSampling: Benchmark = {
  name: 'metrics-sampling',
  description: `Host CPU (percent of one core) spent measuring N running tasks (each \`sh\` with two children) at the default interval (${INTERVAL_MS} ms), live figures written to SQLite each time, over ${WINDOW_MS / 1000} s; baseline: the same tasks, not sampled, same window. Also the CPU time of one sample of all N tasks.`,
  async run(context) {
    const figures: Figure[] = [];
    const path = join(context.scratch, 'claudine.db');
    const tasks = SqliteTaskStore.open({ path });
    const metrics = SqliteMetricsStore.open({ path, synchronous: 'NORMAL' });
    try {
      for (const cgroups of ['auto', 'off'] as const) {
        for (const count of TASK_COUNTS) {
          const sampler = createTaskSampler({ cgroups, intervalMs: 0, name: `bench-${process.pid}` });
          const mode = sampler.method;
          const running = await startTasks(sampler, tasks, count, context.scratch);
          try {
            const baseline = await cpuPercentOver(WINDOW_MS, () => {});
            const sampled = await cpuPercentOver(WINDOW_MS, () => tick(sampler, metrics, running.ids));
            const perSample = cpuPerCall(20, () => tick(sampler, metrics, running.ids));
            context.log(
              `${mode}, ${count} tasks: ${sampled.toFixed(3)}% of a core sampled, ${baseline.toFixed(3)}% not; one sample ${perSample.toFixed(2)} ms`,
            );
            figures.push(
              {
                metric: `host CPU, ${count} task${count === 1 ? '' : 's'} (${mode})`,
                value: sampled,
                unit: '% of a core',
                baseline,
                baselineLabel: 'not sampled',
                target: count === 16 ? '< 1% of a core' : '',
                better: 'lower',
              },
              {
                metric: `one sample of ${count} task${count === 1 ? '' : 's'} (${mode})`,
                value: perSample,
                unit: 'ms CPU',
                better: 'lower',
              },
            );
          } finally {
            for (const id of running.ids) sampler.finish(id);
            await running.stop();
            sampler.close();
          }
        }
      }
    } finally {
      metrics.close();
      tasks.close();
    }
    return figures;
  },
};

// What the host does every interval: sample every task, write the live figures in one transaction.
function tick(sampler: TaskSampler, store: SqliteMetricsStore, ids: readonly string[]): void {
  sampler.sampleAll();
  const now = Date.now();
  const rows: TaskMetrics[] = [];
  for (const id of ids) {
    const usage = sampler.usage(id);
    if (usage === undefined) continue;
    rows.push(taskMetricsFixture({ taskId: id, live: true, startedAt: now, updatedAt: now, finishedAt: null, wallMs: 0, ...usage }));
  }
  void store.saveTaskMetrics(rows);
}

async function startTasks(sampler: TaskSampler, store: SqliteTaskStore, count: number, cwd: string): Promise<RunningTasks> {
  const ids: string[] = [];
  const children: ChildProcess[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = formatTaskId(randomBytes(8));
    await store.create(newTaskFixture({ id, prompt: TASK_COMMAND, cwd, timeoutMs: 3_600_000 }));
    // In the task's cgroup where it has one: the child moves itself there, then execs, as the
    // runner's agents do.
    const cgroup = sampler.reserveCgroup(id);
    const argv =
      cgroup === undefined
        ? ['-c', TASK_COMMAND]
        : ['-c', 'echo $$ > "$0"; exec "$@"', join(cgroup, 'cgroup.procs'), '/bin/sh', '-c', TASK_COMMAND];
    const child = spawn('/bin/sh', argv, { cwd, detached: true, stdio: 'ignore' });
    if (child.pid !== undefined) sampler.track(id, child.pid, Date.now());
    ids.push(id);
    children.push(child);
  }
  // Let every tree finish starting before measuring.
  await sleep(500);
  return {
    ids,
    children,
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
            }),
        ),
      );
    },
  };
}

// CPU this process used while `work` ran every INTERVAL_MS for `windowMs`, in % of one core.
async function cpuPercentOver(windowMs: number, work: () => void): Promise<number> {
  const timer = setInterval(work, INTERVAL_MS);
  const before = process.cpuUsage();
  const started = performance.now();
  await sleep(windowMs);
  const used = process.cpuUsage(before);
  const elapsed = performance.now() - started;
  clearInterval(timer);
  return ((used.user + used.system) / 1000 / elapsed) * 100;
}

// Median CPU time of one call, in ms.
function cpuPerCall(repeats: number, work: () => void): number {
  const samples: number[] = [];
  for (let index = 0; index < repeats; index += 1) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  samples.sort((left, right) => left - right);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}
