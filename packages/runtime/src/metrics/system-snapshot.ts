import { percentileOf, type SystemSnapshot, type TaskStatistics } from '@claudine/core';
import type { SystemUsage } from '@claudine/metrics';

/** The window of the throughput and duration figures of a snapshot. */
export const SNAPSHOT_WINDOW_MS = 3_600_000;

/** A system snapshot at `at` from the store's statistics and a usage reading. */
export function buildSnapshot(at: number, statistics: TaskStatistics, costTodayUsd: number, usage: SystemUsage): SystemSnapshot {
  const durations = statistics.recentDurationsMs;
  return {
    at,
    running: statistics.running,
    queued: statistics.queued,
    blocked: statistics.blocked,
    completed: statistics.completed,
    failed: statistics.failed,
    cancelled: statistics.cancelled,
    finishedLastHour: durations.length,
    durationAverageMs: durations.length === 0 ? null : Math.round(durations.reduce((sum, value) => sum + value, 0) / durations.length),
    durationP95Ms: percentileOf(durations, 95),
    machineCpuPercent: usage.machineCpuPercent,
    machineCpuCores: usage.machineCpuCores,
    machineMemoryUsedBytes: usage.machineMemoryUsedBytes,
    machineMemoryTotalBytes: usage.machineMemoryTotalBytes,
    hostCpuPercent: usage.hostCpuPercent,
    hostMemoryBytes: usage.hostMemoryBytes,
    costTodayUsd: Math.round(costTodayUsd * 1e6) / 1e6,
    missing: [...usage.missing],
  };
}
