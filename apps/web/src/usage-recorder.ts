import type { TaskMetrics } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { UsagePoint } from './api-types.js';

/** Keeps the CPU and memory of running tasks over time, for the task page's chart. */
export interface UsageRecorder {
  /** The points of a task, oldest first (empty when it did not run while this server did). */
  points(taskId: string): readonly UsagePoint[];
  close(): void;
}

/** Options for {@link createUsageRecorder}. */
export interface UsageRecorderOptions {
  /** The ids of the tasks running now (the change feed knows). */
  readonly running: () => readonly string[];
  /** Calls its listener whenever tasks changed; returns the unsubscribe (the change feed's). */
  readonly subscribe: (listener: () => void) => () => void;
  /** Time between reads of the host's samples. */
  readonly intervalMs: number;
  readonly onError?: (error: unknown) => void;
}

interface Sample {
  readonly at: number;
  readonly cpuMs: number | null;
  readonly memoryBytes: number | null;
}

// Bounds on memory: points per task (halved when full: older history gets coarser) and tasks kept.
const MAX_POINTS = 1200;
const MAX_TASKS = 500;
const MAX_SAMPLED_AT_ONCE = 64;

/**
 * The store keeps each attempt's latest figures, not their history: while tasks run, this reads
 * the host's samples at its sampling interval and keeps them in memory. A task that ran while
 * no dashboard did has its totals (peak, average) but no chart. Nothing is read while nothing runs.
 */
export function createUsageRecorder(claudine: Claudine, options: UsageRecorderOptions): UsageRecorder {
  const series = new Map<string, Sample[]>();
  let busy = false;

  const record = (taskId: string, metrics: TaskMetrics): void => {
    let samples = series.get(taskId);
    if (samples === undefined) {
      samples = [];
      series.set(taskId, samples);
      if (series.size > MAX_TASKS) series.delete(series.keys().next().value as string);
    }
    const last = samples[samples.length - 1];
    if (last !== undefined && metrics.updatedAt <= last.at) return;
    const cpuMs = metrics.cpuUserMs === null && metrics.cpuSystemMs === null ? null : (metrics.cpuUserMs ?? 0) + (metrics.cpuSystemMs ?? 0);
    samples.push({ at: metrics.updatedAt, cpuMs, memoryBytes: metrics.memoryCurrentBytes });
    if (samples.length > MAX_POINTS)
      series.set(
        taskId,
        samples.filter((_, index) => index % 2 === 0),
      );
  };

  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    const ids = options.running().slice(0, MAX_SAMPLED_AT_ONCE);
    if (ids.length === 0) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    if (busy) return;
    busy = true;
    try {
      for (const id of ids) {
        const attempts = await claudine.metrics.task(id).catch(() => []);
        const latest = attempts[attempts.length - 1];
        if (latest?.live === true) record(id, latest);
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      busy = false;
    }
  };

  // The timer runs only while tasks run: an idle dashboard has nothing to wake up for.
  const unsubscribe = options.subscribe(() => {
    if (timer !== undefined || options.running().length === 0) return;
    timer = setInterval(() => void tick(), Math.max(250, options.intervalMs));
    timer.unref();
    void tick();
  });

  return {
    points(taskId) {
      const samples = series.get(taskId) ?? [];
      return samples.map((sample, index) => {
        const previous = samples[index - 1];
        const cpuPercent =
          previous === undefined || sample.cpuMs === null || previous.cpuMs === null || sample.at <= previous.at
            ? null
            : Math.max(0, ((sample.cpuMs - previous.cpuMs) / (sample.at - previous.at)) * 100);
        return { at: sample.at, cpuPercent, memoryBytes: sample.memoryBytes };
      });
    },
    close() {
      unsubscribe();
      clearInterval(timer);
    },
  };
}
