import * as z from 'zod';
import { lazySchema } from './lazy-schema.js';
import { AGENT_KINDS } from './task.js';

/**
 * Figures a measurement may lack, named so a reader knows what is missing and can say why
 * (for example every resource figure on a platform without /proc).
 */
export const MEASURED_FIGURES = ['cpu', 'memory', 'io', 'processes', 'machine-cpu', 'machine-memory', 'host-cpu', 'host-memory'] as const;
/** One group of resource figures; see {@link MEASURED_FIGURES}. */
export type MeasuredFigure = (typeof MEASURED_FIGURES)[number];

/** A figure that was not measured, and why. */
export const MissingFigureSchema = lazySchema(() =>
  z.object({
    figure: z.enum(MEASURED_FIGURES),
    reason: z.string(),
  }),
);
/** A figure that was not measured; see {@link MissingFigureSchema}. */
export type MissingFigure = z.infer<typeof MissingFigureSchema>;

const count = lazySchema(() => z.number().int().nonnegative());
const nullableCount = lazySchema(() => count.nullable());
const nullableAmount = lazySchema(() => z.number().nonnegative().nullable());

/**
 * What one attempt of a task consumed, over its whole process tree, plus what its agent
 * reported. While the attempt runs `live` is true and the figures are the latest sample; once
 * it ends they are final. A figure that could not be measured is `null` and named in `missing`.
 * Times are milliseconds since the Unix epoch; durations and CPU time are milliseconds.
 */
export const TaskMetricsSchema = lazySchema(() =>
  z.object({
    taskId: z.string(),
    attempt: z.number().int().positive(),
    agent: z.enum(AGENT_KINDS),
    live: z.boolean(),
    startedAt: z.number(),
    updatedAt: z.number(),
    finishedAt: z.number().nullable(),
    wallMs: count,
    /** CPU time in user mode, summed over every process of the task, the exited ones included. */
    cpuUserMs: nullableAmount,
    cpuSystemMs: nullableAmount,
    /** Resident memory summed over the task's live processes at the latest sample. */
    memoryCurrentBytes: nullableCount,
    /** Highest resident memory summed over the task's processes at any sample. */
    memoryPeakBytes: nullableCount,
    /** Time-weighted average of the summed resident memory. */
    memoryAverageBytes: nullableCount,
    /** Bytes passed to read-like and write-like system calls (files, pipes, sockets). */
    readBytes: nullableCount,
    writeBytes: nullableCount,
    /** Read-like and write-like system calls. */
    readOps: nullableCount,
    writeOps: nullableCount,
    /** Bytes fetched from and sent to storage (what `/usr/bin/time` counts as file system I/O). */
    diskReadBytes: nullableCount,
    diskWriteBytes: nullableCount,
    processesCurrent: nullableCount,
    processesPeak: nullableCount,
    /** Distinct processes seen during the attempt (short-lived ones between samples are not). */
    processesSeen: nullableCount,
    inputTokens: nullableCount,
    outputTokens: nullableCount,
    cacheReadTokens: nullableCount,
    cacheWriteTokens: nullableCount,
    costUsd: nullableAmount,
    turns: nullableCount,
    model: z.string().nullable(),
    samples: count,
    /** How the figures were taken, e.g. `cgroup+proc` or `proc`; `none` when nothing was measured. */
    method: z.string(),
    missing: z.array(MissingFigureSchema),
  }),
);
/** What one attempt of a task consumed; see {@link TaskMetricsSchema}. */
export type TaskMetrics = z.infer<typeof TaskMetricsSchema>;

/**
 * The state of the whole system at one moment: task counts, throughput, durations, and the
 * CPU and memory use of the machine and of the host. Taken by the host at an interval and kept
 * as history. Percentages: machine CPU is of all cores (0-100), host CPU of one core.
 */
export const SystemSnapshotSchema = lazySchema(() =>
  z.object({
    at: z.number(),
    running: count,
    queued: count,
    /** Queued tasks waiting for a dependency (a subset of `queued`). */
    blocked: count,
    completed: count,
    failed: count,
    cancelled: count,
    /** Tasks that finished in the hour before `at`. */
    finishedLastHour: count,
    /** Average and 95th percentile run time of the tasks that finished in the hour before `at`. */
    durationAverageMs: nullableAmount,
    durationP95Ms: nullableAmount,
    machineCpuPercent: nullableAmount,
    machineCpuCores: z.number().int().positive(),
    machineMemoryUsedBytes: nullableCount,
    machineMemoryTotalBytes: nullableCount,
    hostCpuPercent: nullableAmount,
    hostMemoryBytes: nullableCount,
    /** What agents reported spending since local midnight. */
    costTodayUsd: z.number().nonnegative(),
    missing: z.array(MissingFigureSchema),
  }),
);
/** The state of the system at one moment; see {@link SystemSnapshotSchema}. */
export type SystemSnapshot = z.infer<typeof SystemSnapshotSchema>;

/**
 * Nearest-rank percentile of `values` (need not be sorted); null for no values. `p` is in
 * [0, 100].
 */
export function percentileOf(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? null;
}
