import type { SystemSnapshot, TaskMetrics } from '@claudine/core';
import { formatBytes, formatDuration, type SystemMetricsReport } from '@claudine/runtime';
import { sparkline, type TimedValue } from './sparkline.js';
import { paint, type Terminal, table } from './terminal.js';

const number = (value: number): string => value.toLocaleString('en-US');
const percent = (value: number | null): string => (value === null ? '-' : `${value.toFixed(value < 10 ? 1 : 0)}%`);
const bytes = (value: number | null): string => (value === null ? '-' : formatBytes(value));
const usd = (value: number): string => `$${value === 0 || value >= 1 ? value.toFixed(2) : value.toFixed(4)}`;

function lines(terminal: Terminal, rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${paint(terminal, 'dim', key.padEnd(width))}  ${value}`).join('\n');
}

/** The CPU time of an attempt, for people. */
export function cpuText(metrics: TaskMetrics): string {
  if (metrics.cpuUserMs === null || metrics.cpuSystemMs === null) return '-';
  return formatDuration(metrics.cpuUserMs + metrics.cpuSystemMs);
}

/** The system now: counts, durations, machine, host, spending, and the running tasks. */
export function systemText(terminal: Terminal, report: SystemMetricsReport): string {
  const { snapshot, budget } = report;
  const rows: Array<[string, string]> = [
    [
      'tasks',
      `${snapshot.running} running, ${snapshot.queued} queued${snapshot.blocked > 0 ? ` (${snapshot.blocked} blocked)` : ''}, ${snapshot.completed} completed, ${snapshot.failed} failed, ${snapshot.cancelled} cancelled`,
    ],
    [
      'last hour',
      snapshot.finishedLastHour === 0
        ? 'nothing finished'
        : `${snapshot.finishedLastHour} finished, ${formatDuration(snapshot.durationAverageMs ?? 0)} on average, ${formatDuration(snapshot.durationP95Ms ?? 0)} at p95`,
    ],
    [
      'machine',
      `CPU ${percent(snapshot.machineCpuPercent)} of ${snapshot.machineCpuCores} cores, memory ${bytes(snapshot.machineMemoryUsedBytes)} of ${bytes(snapshot.machineMemoryTotalBytes)}`,
    ],
    [
      'host',
      snapshot.hostMemoryBytes === null
        ? 'not running'
        : `CPU ${percent(snapshot.hostCpuPercent)} of a core, memory ${bytes(snapshot.hostMemoryBytes)}`,
    ],
    [
      'spending',
      `${usd(snapshot.costTodayUsd)} today${
        budget.dailyUsd === null
          ? ' (no daily budget)'
          : ` of a daily budget of ${usd(budget.dailyUsd)}${budget.exhausted ? paint(terminal, 'yellow', ': spent, claude tasks wait until midnight') : ''}`
      }${budget.perTaskUsd === null ? '' : `; ${usd(budget.perTaskUsd)} per claude task`}`,
    ],
  ];
  let text = lines(terminal, rows);
  if (report.running.length > 0) {
    const taskRows = report.running.map((metrics) => [
      metrics.taskId,
      metrics.agent,
      formatDuration(metrics.wallMs),
      cpuText(metrics),
      `${bytes(metrics.memoryCurrentBytes)} / ${bytes(metrics.memoryPeakBytes)}`,
      `${bytes(metrics.readBytes)} / ${bytes(metrics.writeBytes)}`,
      metrics.processesCurrent === null ? '-' : String(metrics.processesCurrent),
    ]);
    text += `\n\n${table(terminal, ['RUNNING', 'AGENT', 'WALL', 'CPU', 'MEM NOW/PEAK', 'READ/WRITE', 'PROCS'], taskRows)}`;
  }
  return text;
}

/** Sparklines of the history between `since` and `until`, one line per figure. */
export function historyText(terminal: Terminal, history: readonly SystemSnapshot[], since: number, until: number): string {
  const span = formatDuration(until - since);
  if (history.length === 0) {
    return `${paint(terminal, 'dim', `history (last ${span})`)}  no snapshots yet: the host takes one every metrics.snapshotInterval (1 min) while it runs`;
  }
  const width = Math.max(10, Math.min(60, terminal.width - 30));
  const series: Array<[string, (snapshot: SystemSnapshot) => number | null, (max: number) => string]> = [
    ['running', (snapshot) => snapshot.running, (max) => `max ${max}`],
    ['queued', (snapshot) => snapshot.queued, (max) => `max ${max}`],
    ['finished/h', (snapshot) => snapshot.finishedLastHour, (max) => `max ${max}`],
    ['machine CPU', (snapshot) => snapshot.machineCpuPercent, (max) => `max ${percent(max)}`],
    ['machine mem', (snapshot) => snapshot.machineMemoryUsedBytes, (max) => `max ${bytes(max)}`],
    ['host CPU', (snapshot) => snapshot.hostCpuPercent, (max) => `max ${percent(max)}`],
    ['spent today', (snapshot) => snapshot.costTodayUsd, (max) => `max ${usd(max)}`],
  ];
  const labelWidth = Math.max(...series.map(([label]) => label.length));
  const rows = series.map(([label, pick, describe]) => {
    const points: TimedValue[] = history.map((snapshot) => ({ at: snapshot.at, value: pick(snapshot) }));
    const { line, max } = sparkline(points, since, until, width);
    return `${paint(terminal, 'dim', label.padEnd(labelWidth))}  ${paint(terminal, 'cyan', line)}  ${max === null ? '-' : describe(max)}`;
  });
  const header = `${paint(terminal, 'dim', `history (last ${span}, ${history.length} snapshots, oldest on the left)`)}`;
  return `${header}\n${rows.join('\n')}`;
}

/** Every attempt of a task: the latest in full, the earlier ones in a line each. */
export function taskMetricsText(terminal: Terminal, attempts: readonly TaskMetrics[]): string {
  const latest = attempts[attempts.length - 1];
  if (latest === undefined) return 'No metrics: the task has not started yet.';
  const rows: Array<[string, string]> = [
    [
      'task',
      `${paint(terminal, 'bold', latest.taskId)} (${latest.agent}), attempt ${latest.attempt}, ${latest.live ? 'running' : 'finished'}`,
    ],
    ['wall', formatDuration(latest.wallMs)],
  ];
  if (latest.cpuUserMs !== null && latest.cpuSystemMs !== null) {
    rows.push(['cpu', `${cpuText(latest)} (${formatDuration(latest.cpuUserMs)} user, ${formatDuration(latest.cpuSystemMs)} system)`]);
  }
  if (latest.memoryPeakBytes !== null) {
    rows.push([
      'memory',
      `${latest.live ? `${bytes(latest.memoryCurrentBytes)} now, ` : ''}${bytes(latest.memoryPeakBytes)} at peak, ${bytes(latest.memoryAverageBytes)} on average`,
    ]);
  }
  if (latest.readBytes !== null) {
    rows.push([
      'io',
      `${bytes(latest.readBytes)} read, ${bytes(latest.writeBytes)} written (${number(latest.readOps ?? 0)} / ${number(latest.writeOps ?? 0)} calls); disk ${bytes(latest.diskReadBytes)} read, ${bytes(latest.diskWriteBytes)} written`,
    ]);
  }
  if (latest.processesPeak !== null) {
    rows.push([
      'processes',
      `${latest.live ? `${latest.processesCurrent} now, ` : ''}${latest.processesPeak} at most, ${latest.processesSeen} seen`,
    ]);
  }
  if (latest.inputTokens !== null) {
    rows.push([
      'tokens',
      `${number(latest.inputTokens)} in, ${number(latest.outputTokens ?? 0)} out, ${number(latest.cacheReadTokens ?? 0)} cache read, ${number(latest.cacheWriteTokens ?? 0)} cache write`,
    ]);
  }
  if (latest.costUsd !== null || latest.turns !== null || latest.model !== null) {
    const parts = [
      latest.costUsd === null ? null : usd(latest.costUsd),
      latest.turns === null ? null : `${latest.turns} turns`,
      latest.model,
    ];
    rows.push(['agent', parts.filter((part) => part !== null).join(', ')]);
  }
  rows.push(['measured', `${latest.method}, ${latest.samples} samples`]);
  for (const missing of latest.missing) rows.push(['missing', `${missing.figure}: ${missing.reason}`]);
  for (const earlier of attempts.slice(0, -1)) {
    rows.push([
      `attempt ${earlier.attempt}`,
      `${formatDuration(earlier.wallMs)}, CPU ${cpuText(earlier)}, peak ${bytes(earlier.memoryPeakBytes)}${earlier.costUsd === null ? '' : `, ${usd(earlier.costUsd)}`}`,
    ]);
  }
  return lines(terminal, rows);
}
