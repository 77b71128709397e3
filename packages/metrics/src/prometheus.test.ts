import { reportedFigures, type SystemSnapshot, type TaskMetrics } from '@claudine/core';
import { parsePrometheusText, prometheusValue } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { renderPrometheus } from './prometheus.js';
import { unmeasuredUsage } from './resource-usage.js';

const snapshot: SystemSnapshot = {
  at: 1_700_000_000_000,
  running: 2,
  queued: 5,
  blocked: 1,
  completed: 40,
  failed: 3,
  cancelled: 1,
  finishedLastHour: 12,
  durationAverageMs: 61_500,
  durationP95Ms: 240_000,
  machineCpuPercent: 37.5,
  machineCpuCores: 8,
  machineMemoryUsedBytes: 6 * 1024 ** 3,
  machineMemoryTotalBytes: 16 * 1024 ** 3,
  hostCpuPercent: 0.8,
  hostMemoryBytes: 80 * 1024 ** 2,
  costTodayUsd: 1.25,
  missing: [],
};

const task: TaskMetrics = {
  taskId: '3k9x2m4qab',
  attempt: 1,
  agent: 'claude',
  live: true,
  startedAt: 1_700_000_000_000,
  updatedAt: 1_700_000_030_000,
  finishedAt: null,
  wallMs: 30_000,
  ...unmeasuredUsage('test'),
  cpuUserMs: 12_500,
  cpuSystemMs: 1_500,
  memoryCurrentBytes: 300 * 1024 ** 2,
  memoryPeakBytes: 420 * 1024 ** 2,
  memoryAverageBytes: 280 * 1024 ** 2,
  readBytes: 1000,
  writeBytes: 2000,
  processesCurrent: 4,
  ...reportedFigures(null),
  method: 'cgroup+proc',
};

describe('renderPrometheus', () => {
  it('renders text that parses back to the same figures', () => {
    const text = renderPrometheus({ snapshot, tasks: [task, { ...task, taskId: 'odd"\\\nname', agent: 'command' }], dailyBudgetUsd: 10 });
    const parsed = parsePrometheusText(text);
    expect(prometheusValue(parsed, 'claudine_tasks', { state: 'queued' })).toBe(5);
    expect(prometheusValue(parsed, 'claudine_tasks', { state: 'blocked' })).toBe(1);
    expect(prometheusValue(parsed, 'claudine_task_duration_p95_seconds')).toBe(240);
    expect(prometheusValue(parsed, 'claudine_machine_cpu_ratio')).toBe(0.375);
    expect(prometheusValue(parsed, 'claudine_cost_today_usd')).toBe(1.25);
    expect(prometheusValue(parsed, 'claudine_budget_daily_usd')).toBe(10);
    expect(prometheusValue(parsed, 'claudine_task_cpu_seconds_total', { task: task.taskId, mode: 'user' })).toBe(12.5);
    expect(prometheusValue(parsed, 'claudine_task_memory_bytes', { task: task.taskId })).toBe(300 * 1024 ** 2);
    // Label values are escaped and come back intact.
    expect(prometheusValue(parsed, 'claudine_task_processes', { task: 'odd"\\\nname' })).toBe(4);
    expect(parsed.types.claudine_task_cpu_seconds_total).toBe('counter');
    expect(parsed.types.claudine_tasks).toBe('gauge');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('leaves out figures that were not measured instead of reporting zero', () => {
    const parsed = parsePrometheusText(
      renderPrometheus({
        snapshot: { ...snapshot, machineCpuPercent: null, durationAverageMs: null },
        tasks: [{ ...task, diskReadBytes: null, diskWriteBytes: null }],
      }),
    );
    const names = new Set(parsed.samples.map((sample) => sample.name));
    expect(names.has('claudine_machine_cpu_ratio')).toBe(false);
    expect(names.has('claudine_task_duration_average_seconds')).toBe(false);
    expect(names.has('claudine_task_disk_bytes_total')).toBe(false);
    expect(names.has('claudine_budget_daily_usd')).toBe(false);
    expect(parsed.types.claudine_machine_cpu_ratio).toBeUndefined();
  });
});
