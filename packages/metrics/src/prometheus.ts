import type { SystemSnapshot, TaskMetrics } from '@claudine/core';

/** What {@link renderPrometheus} exposes. */
export interface PrometheusInput {
  readonly snapshot: SystemSnapshot;
  /** Tasks to expose one by one (the running ones: finished tasks would grow without bound). */
  readonly tasks: readonly TaskMetrics[];
  /** The daily budget in USD, if one is set. */
  readonly dailyBudgetUsd?: number | null;
}

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: Array<{ labels: Labels; value: number | null }>;
}

/**
 * The Prometheus text exposition format (version 0.0.4) of a system snapshot and of running
 * tasks. Figures that were not measured are left out, as Prometheus expects, rather than
 * reported as 0. Serve it as `text/plain; version=0.0.4`.
 */
export function renderPrometheus(input: PrometheusInput): string {
  const { snapshot } = input;
  const families: Family[] = [
    family('claudine_tasks', 'Tasks by state (blocked tasks are queued tasks waiting for a dependency).', 'gauge', [
      ...(['running', 'queued', 'blocked', 'completed', 'failed', 'cancelled'] as const).map((state) => ({
        labels: { state },
        value: snapshot[state],
      })),
    ]),
    gauge('claudine_tasks_finished_last_hour', 'Tasks that finished in the last hour.', snapshot.finishedLastHour),
    gauge(
      'claudine_task_duration_average_seconds',
      'Average run time of the tasks that finished in the last hour.',
      seconds(snapshot.durationAverageMs),
    ),
    gauge(
      'claudine_task_duration_p95_seconds',
      '95th percentile run time of the tasks that finished in the last hour.',
      seconds(snapshot.durationP95Ms),
    ),
    gauge('claudine_machine_cpu_ratio', 'Busy share of all cores of the machine (0-1).', ratio(snapshot.machineCpuPercent)),
    gauge('claudine_machine_cpu_cores', 'Cores of the machine.', snapshot.machineCpuCores),
    gauge('claudine_machine_memory_used_bytes', 'Memory in use on the machine (total minus available).', snapshot.machineMemoryUsedBytes),
    gauge('claudine_machine_memory_total_bytes', 'Memory of the machine.', snapshot.machineMemoryTotalBytes),
    gauge('claudine_host_cpu_ratio', 'CPU used by the Claudine host, in cores (1 = one core busy).', ratio(snapshot.hostCpuPercent)),
    gauge('claudine_host_memory_bytes', 'Resident memory of the Claudine host.', snapshot.hostMemoryBytes),
    gauge('claudine_cost_today_usd', 'What agents reported spending since local midnight, in USD.', snapshot.costTodayUsd),
  ];
  if (input.dailyBudgetUsd !== undefined && input.dailyBudgetUsd !== null) {
    families.push(gauge('claudine_budget_daily_usd', 'The daily budget of claude tasks, in USD.', input.dailyBudgetUsd));
  }
  const perTask = (name: string, help: string, type: Family['type'], value: (task: TaskMetrics) => number | null, extra: Labels = {}) =>
    family(
      name,
      help,
      type,
      input.tasks.map((task) => ({ labels: { task: task.taskId, agent: task.agent, ...extra }, value: value(task) })),
    );
  if (input.tasks.length > 0) {
    families.push(
      family('claudine_task_cpu_seconds_total', 'CPU time of a running task, over its whole process tree.', 'counter', [
        ...input.tasks.map((task) => ({ labels: taskLabels(task, { mode: 'user' }), value: seconds(task.cpuUserMs) })),
        ...input.tasks.map((task) => ({ labels: taskLabels(task, { mode: 'system' }), value: seconds(task.cpuSystemMs) })),
      ]),
      perTask(
        'claudine_task_memory_bytes',
        'Resident memory of a running task, summed over its processes.',
        'gauge',
        (task) => task.memoryCurrentBytes,
      ),
      perTask(
        'claudine_task_memory_peak_bytes',
        'Highest resident memory of a running task so far.',
        'gauge',
        (task) => task.memoryPeakBytes,
      ),
      family('claudine_task_io_bytes_total', 'Bytes a running task read and wrote through system calls.', 'counter', [
        ...input.tasks.map((task) => ({ labels: taskLabels(task, { direction: 'read' }), value: task.readBytes })),
        ...input.tasks.map((task) => ({ labels: taskLabels(task, { direction: 'write' }), value: task.writeBytes })),
      ]),
      family('claudine_task_disk_bytes_total', 'Bytes a running task made the storage read and write.', 'counter', [
        ...input.tasks.map((task) => ({ labels: taskLabels(task, { direction: 'read' }), value: task.diskReadBytes })),
        ...input.tasks.map((task) => ({ labels: taskLabels(task, { direction: 'write' }), value: task.diskWriteBytes })),
      ]),
      perTask('claudine_task_processes', 'Live processes of a running task.', 'gauge', (task) => task.processesCurrent),
      perTask('claudine_task_wall_seconds', 'How long a running task has run.', 'gauge', (task) => task.wallMs / 1000),
    );
  }
  return `${families
    .filter((entry) => entry.samples.some((sample) => sample.value !== null))
    .map(renderFamily)
    .join('\n')}\n`;
}

function taskLabels(task: TaskMetrics, extra: Labels): Labels {
  return { task: task.taskId, agent: task.agent, ...extra };
}

function family(name: string, help: string, type: Family['type'], samples: Family['samples']): Family {
  return { name, help, type, samples };
}

function gauge(name: string, help: string, value: number | null): Family {
  return family(name, help, 'gauge', [{ labels: {}, value }]);
}

function renderFamily(entry: Family): string {
  const lines = [`# HELP ${entry.name} ${escapeHelp(entry.help)}`, `# TYPE ${entry.name} ${entry.type}`];
  for (const sample of entry.samples) {
    if (sample.value === null) continue;
    const labels = Object.entries(sample.labels);
    const rendered = labels.length === 0 ? '' : `{${labels.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
    lines.push(`${entry.name}${rendered} ${formatValue(sample.value)}`);
  }
  return lines.join('\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function escapeHelp(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : ms / 1000;
}

function ratio(percent: number | null): number | null {
  return percent === null ? null : percent / 100;
}
