import type { Command } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { historyText, systemText, taskMetricsText } from '../format-metrics.js';
import { withExamples } from '../help-examples.js';
import { SystemMetricsJson, TaskMetricsJson } from '../json-shapes.js';
import { pointInTime } from '../parse-options.js';

interface MetricsOptions {
  json?: boolean;
  prometheus?: boolean;
  since: string;
  until?: string;
}

/** `claudine metrics [id]`: what a task consumed, or the system now and its recent history. */
export function registerMetrics(program: Command): void {
  const metricsCommand = program
    .command('metrics')
    .summary('show what tasks consumed and how the system is doing')
    .description(
      'With an id: what each attempt of the task consumed (CPU, memory, I/O, processes over its whole process tree) and what its agent reported (tokens, cost, turns, model); live while it runs. Without: task counts, throughput, durations, machine and host CPU and memory, spending against the budgets, the running tasks, and sparklines of the history the host kept.',
    )
    .argument('[id]', 'task id')
    .option('--json', 'print JSON: { taskId, attempts } for a task, { snapshot, running, budget, history } for the system')
    .option('--prometheus', 'print the system and running tasks in the Prometheus text format')
    .option('--since <when>', 'history from this long ago (e.g. 30m, 6h, 7d) or this ISO time', '1h')
    .option('--until <when>', 'history up to this long ago or this ISO time (default: now)');
  withExamples(metricsCommand, [
    'claudine metrics',
    'claudine metrics 3k9x2m4qab',
    'claudine metrics --since 24h --json',
    'claudine metrics --prometheus > /var/lib/node_exporter/claudine.prom',
  ]).action(async (id: string | undefined, options: MetricsOptions, command: Command) => {
    if (options.prometheus === true && (id !== undefined || options.json === true)) {
      throw new CliError('--prometheus covers the whole system: use it without an id and without --json', EXIT.usage);
    }
    const now = Date.now();
    const since = pointInTime(options.since, now, '--since');
    const until = options.until === undefined ? now : pointInTime(options.until, now, '--until');
    if (since >= until) throw new CliError('--since must be before --until', EXIT.usage);
    await withClaudine(
      command,
      async (claudine, terminal) => {
        if (options.prometheus === true) {
          process.stdout.write(await claudine.metrics.prometheus());
          return;
        }
        if (id !== undefined) {
          const attempts = await claudine.metrics.task(id);
          if (options.json === true) printJson(TaskMetricsJson, { taskId: id, attempts });
          else process.stdout.write(`${taskMetricsText(terminal, attempts)}\n`);
          return;
        }
        const [report, history] = await Promise.all([claudine.metrics.system(), claudine.metrics.history({ since, until })]);
        if (options.json === true) {
          printJson(SystemMetricsJson, { ...report, history });
          return;
        }
        process.stdout.write(`${systemText(terminal, report)}\n\n${historyText(terminal, history, since, until)}\n`);
      },
      { autoStartHost: true },
    );
  });
}
