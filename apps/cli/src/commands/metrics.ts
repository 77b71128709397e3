import { parseDuration } from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { historyText, systemText, taskMetricsText } from '../format-metrics.js';

interface MetricsOptions {
  json?: boolean;
  prometheus?: boolean;
  since: string;
  until?: string;
}

/** `claudine metrics [id]`: what a task consumed, or the system now and its recent history. */
export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .summary('show what tasks consumed and how the system is doing')
    .description(
      'With an id: what each attempt of the task consumed (CPU, memory, I/O, processes over its whole process tree) and what its agent reported (tokens, cost, turns, model); live while it runs. Without: task counts, throughput, durations, machine and host CPU and memory, spending against the budgets, the running tasks, and sparklines of the history the host kept.',
    )
    .argument('[id]', 'task id')
    .option('--json', 'print JSON: { taskId, attempts } for a task, { snapshot, running, budget, history } for the system')
    .option('--prometheus', 'print the system and running tasks in the Prometheus text format')
    .option('--since <when>', 'history from this long ago (e.g. 30m, 6h, 7d) or this ISO time', '1h')
    .option('--until <when>', 'history up to this long ago or this ISO time (default: now)')
    .addHelpText(
      'after',
      `
Examples:
  $ claudine metrics
  $ claudine metrics 3k9x2m4qab
  $ claudine metrics --since 24h --json
  $ claudine metrics --prometheus > /var/lib/node_exporter/claudine.prom`,
    )
    .action(async (id: string | undefined, options: MetricsOptions, command: Command) => {
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
            if (options.json === true) printJson({ taskId: id, attempts });
            else process.stdout.write(`${taskMetricsText(terminal, attempts)}\n`);
            return;
          }
          const [report, history] = await Promise.all([claudine.metrics.system(), claudine.metrics.history({ since, until })]);
          if (options.json === true) {
            printJson({ ...report, history });
            return;
          }
          process.stdout.write(`${systemText(terminal, report)}\n\n${historyText(terminal, history, since, until)}\n`);
        },
        { autoStartHost: false },
      );
    });
}

// "1h" means an hour ago; anything else must be a date the JavaScript parser understands.
function pointInTime(value: string, now: number, flag: string): number {
  const ago = parseDuration(value);
  if (ago !== undefined) return now - ago;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new CliError(`${flag} "${value}" is neither a duration (30m, 6h, 7d) nor a date (2025-01-31T09:00)`, EXIT.usage);
  return parsed;
}
