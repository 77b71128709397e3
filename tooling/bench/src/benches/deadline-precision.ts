import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RunResult, Task } from '@claudine/core';
import { createCommandAgent, createProcessRunner, systemProcessSource } from '@claudine/runner';
import { runningTaskFixture } from '@claudine/task-fixtures';
import { type Benchmark, type Figure, median, percentile } from '../harness.js';

const TASKS = 50;
const PARALLEL = 8;
const TIMEOUT_MS = 1000;
const GRACE_MS = 1000;
const MARKER = 'CLAUDINE_BENCH_MARKER';
// A task that makes the runner do everything: the shell and all it starts ignore SIGTERM, one
// child stays in the process group, one escapes into its own session (setsid).
const STUBBORN_TREE = "trap '' TERM; sleep 60 & setsid sleep 60 & wait; sleep 60";
const CPU_WINDOW_MS = 3000;

// Fractional milliseconds since the epoch, from the monotonic clock.
const now = (): number => performance.timeOrigin + performance.now();

function task(id: string, cwd: string, prompt: string, timeoutMs: number, marker: string): Task {
  return runningTaskFixture({ id, seq: 1, prompt, agentOptions: { env: { [MARKER]: marker } }, cwd, timeoutMs, owner: 'bench' });
}

// Live processes carrying the marker, found through /proc like a user would look for them.
function processesWithMarker(marker: string): number {
  const source = systemProcessSource();
  let count = 0;
  for (const pid of source.listPids()) {
    if (source.environmentValue(pid, MARKER) === marker && source.status(pid)?.exited === false) count += 1;
  }
  return count;
}

async function pool<T>(count: number, parallel: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await work(index);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return results;
}

/**
 * How precisely timeouts are enforced: 50 tasks whose whole tree ignores SIGTERM (one process
 * outside the group) time out, 8 at a time. SIGTERM delay is the time from the deadline to the
 * signal; tree-gone delay from the deadline to when no process of the task is left. The
 * baseline for SIGTERM is a bare setTimeout armed at each task's start with the same delay,
 * measured in the same run under the same load; for the tree, the grace period itself.
 */
export const deadlinePrecision: Benchmark = {
  name: 'deadline-precision',
  description: `${TASKS} timed-out tasks (${TIMEOUT_MS} ms timeout, ${GRACE_MS} ms grace), ${PARALLEL} at a time; each tree ignores SIGTERM and has a child that escaped with setsid. Then the host's CPU use while ${PARALLEL} tasks wait for their deadline.`,
  async run(context) {
    const logs = join(context.scratch, 'logs');
    const cwd = join(context.scratch, 'work');
    mkdirSync(cwd, { recursive: true });
    const marker = `bench-${process.pid}`;
    const runner = createProcessRunner({ logsDirectory: logs, killGraceMs: GRACE_MS, now, agents: { command: createCommandAgent() } });

    const timerDelays: number[] = [];
    // How long the event loop was kept from running at all (our work, GC, or the machine).
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const results = await pool(TASKS, PARALLEL, async (index) => {
      const handle = runner.start(task(`b${String(index).padStart(9, '0')}`, cwd, STUBBORN_TREE, TIMEOUT_MS, marker));
      const armed = now();
      setTimeout(() => timerDelays.push(now() - armed - TIMEOUT_MS), TIMEOUT_MS);
      return handle.done;
    });
    loopDelay.disable();
    const terminations = results.map((result: RunResult) => {
      if (result.termination === null || result.termination.deadline === null) throw new Error('a task was not timed out');
      return result.termination;
    });
    const termDelays = terminations.map((termination) => termination.termAt - (termination.deadline as number));
    const goneDelays = terminations.map((termination) => termination.goneAt - (termination.deadline as number));
    const escaped = terminations.filter((termination) => termination.outsideGroup > 0).length;
    const survivors = terminations.reduce((sum, termination) => sum + termination.survivors.length, 0);
    const left = processesWithMarker(marker);
    context.log(
      `load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' ')}`,
    );
    context.log(`${escaped}/${TASKS} trees had a process outside their group; ${survivors} survivors; ${left} processes left`);

    // What waiting costs: CPU of this process over a window with no task, then with 8 waiting.
    const idleStart = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, CPU_WINDOW_MS));
    const idle = process.cpuUsage(idleStart);
    const waiting = Array.from({ length: PARALLEL }, (_, index) =>
      runner.start(task(`w${String(index).padStart(9, '0')}`, cwd, 'sleep 60 & sleep 60 & wait', 60_000, marker)),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const busyStart = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, CPU_WINDOW_MS));
    const busy = process.cpuUsage(busyStart);
    for (const handle of waiting) handle.terminate('cancelled');
    await Promise.all(waiting.map((handle) => handle.done));
    const perSecond = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000 / (CPU_WINDOW_MS / 1000);

    const figures: Figure[] = [
      {
        metric: 'SIGTERM after the deadline, median',
        value: median(termDelays),
        unit: 'ms',
        baseline: median(timerDelays),
        baselineLabel: 'bare setTimeout lateness',
        target: '<= 100 ms',
        better: 'lower',
      },
      {
        metric: 'SIGTERM after the deadline, worst',
        value: Math.max(...termDelays),
        unit: 'ms',
        baseline: Math.max(...timerDelays),
        baselineLabel: 'bare setTimeout lateness',
        target: '<= 100 ms',
        better: 'lower',
      },
      {
        metric: 'SIGTERM after the deadline, p90',
        value: percentile(termDelays, 90),
        unit: 'ms',
        baseline: percentile(timerDelays, 90),
        baselineLabel: 'bare setTimeout lateness',
        better: 'lower',
      },
      {
        metric: 'whole tree gone after the deadline, median',
        value: median(goneDelays),
        unit: 'ms',
        baseline: GRACE_MS,
        baselineLabel: 'the grace period',
        target: `<= ${GRACE_MS + 500} ms (grace + 500 ms)`,
        better: 'lower',
      },
      {
        metric: 'whole tree gone after the deadline, worst',
        value: Math.max(...goneDelays),
        unit: 'ms',
        baseline: GRACE_MS,
        baselineLabel: 'the grace period',
        target: `<= ${GRACE_MS + 500} ms (grace + 500 ms)`,
        better: 'lower',
      },
      {
        metric: 'event-loop stall during the run, worst',
        value: loopDelay.max / 1e6,
        unit: 'ms',
        target: 'context: a late SIGTERM with an equally late baseline means the process did not run',
      },
      { metric: 'processes of the tasks left afterwards (/proc)', value: left + survivors, unit: 'processes', target: '0' },
      {
        metric: `CPU of the runner while ${PARALLEL} tasks wait`,
        value: perSecond(busy),
        unit: 'ms/s',
        baseline: perSecond(idle),
        baselineLabel: 'no task',
        target: 'no per-task polling',
        better: 'lower',
      },
    ];
    return figures;
  },
};
