import type { Task } from '@claudine/core';
import {
  type Claudine,
  type Config,
  type DeliveryError,
  formatBytes,
  type NotificationChannelName,
  readNotificationStatus,
} from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { taskDetails, taskTable } from '../format-task.js';
import { withExamples } from '../help-examples.js';
import { PromptJson, StatusSummaryJson, TaskJson } from '../json-shapes.js';
import { writeStdout } from '../stream-writer.js';
import { paint, relativeTime, type Terminal } from '../terminal.js';

// The summary shows at most this many running and recently finished tasks; `ls` shows the rest.
const SUMMARY_ROWS = 10;

/** `claudine status [id]`: one task in full, or a summary of everything. */
export function registerStatus(program: Command): void {
  const status = program
    .command('status')
    .summary('show one task in full, or a summary')
    .description(
      'With an id: everything about that task (state, why it ended, timings, what it waits for, what the agent reported, and what you can do next). Without: whether a host runs, how many tasks are in each state, how notifications go (the last delivery error), what runs now and what finished last. `claudine ls` lists and filters tasks.',
    )
    .argument('[id]', 'task id')
    .option(
      '--prompt',
      "with an id: print the whole prompt the task's agent received (with its dependencies' results when --pass-results added them), and nothing else",
    )
    .option(
      '--json',
      'print JSON: the task, or { host, counts, spentTodayUsd, notifications, worktreesBytes, running, recent }; with --prompt, { id, prompt }',
    );
  withExamples(status, [
    'claudine status',
    'claudine status 3k9x2m4qab',
    'claudine status 3k9x2m4qab --json',
    'claudine status 3k9x2m4qab --prompt',
  ]).action(async (id: string | undefined, options: { json?: boolean; prompt?: boolean }, command: Command) => {
    if (options.prompt === true && id === undefined) throw new CliError('--prompt shows the prompt of one task: give its id', EXIT.usage);
    await withClaudine(
      command,
      async (claudine, terminal) => {
        if (id !== undefined && options.prompt === true) {
          const prompt = await claudine.receivedPrompt(id);
          if (options.json === true) await printJson(PromptJson, { id, prompt });
          else await writeStdout(prompt.endsWith('\n') ? prompt : `${prompt}\n`);
          return;
        }
        if (id !== undefined) {
          const task = await claudine.get(id);
          const hostGone = (await claudine.orphanedIds([task])).has(task.id);
          if (options.json === true) printJson(TaskJson, { ...task, hostGone });
          else process.stdout.write(`${taskDetails(terminal, task, { hostGone })}\n${nextSteps(terminal, task)}`);
          return;
        }
        await printSummary(claudine, terminal, options.json === true);
      },
      { autoStartHost: true },
    );
  });
}

async function printSummary(claudine: Claudine, terminal: Terminal, json: boolean): Promise<void> {
  const [host, report, running, recent] = await Promise.all([
    claudine.hostStatus(),
    // No time window: only the counts and the spending are shown, not the CPU figures.
    claudine.metrics.system({ windowMs: 0 }),
    claudine.list({ statuses: ['running'], limit: SUMMARY_ROWS }),
    claudine.list({ statuses: ['completed', 'failed', 'cancelled'], limit: SUMMARY_ROWS }),
  ]);
  const { snapshot } = report;
  const orphaned = await claudine.orphanedIds(running.tasks);
  const counts = {
    queued: snapshot.queued,
    blocked: snapshot.blocked,
    running: snapshot.running,
    completed: snapshot.completed,
    failed: snapshot.failed,
    cancelled: snapshot.cancelled,
  };
  const notified = readNotificationStatus(claudine.layout);
  const notifications = {
    channels: configuredChannels(claudine.config),
    delivered: notified?.delivered ?? null,
    failed: notified?.failed ?? null,
    dropped: notified?.dropped ?? null,
    lastError: notified?.lastError ?? null,
  };
  const worktreesBytes = await claudine.worktreesDiskUsage();
  if (json) {
    printJson(StatusSummaryJson, {
      host,
      counts,
      spentTodayUsd: report.budget.spentTodayUsd,
      notifications,
      worktreesBytes,
      running: running.tasks.map((task) => ({ ...task, hostGone: orphaned.has(task.id) })),
      recent: recent.tasks,
    });
    return;
  }
  const key = (text: string): string => paint(terminal, 'dim', text.padEnd(7));
  const hostText =
    host.running && host.host !== null
      ? `${paint(terminal, 'green', 'running')} (pid ${host.host.pid} on ${host.host.hostname}, started ${relativeTime(host.host.startedAt)})`
      : `${paint(terminal, 'yellow', 'not running')}: one starts when a task is submitted (or: claudine host start)`;
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0) - counts.blocked;
  const lines = [
    `${key('host')}  ${hostText}`,
    `${key('tasks')}  ${
      total === 0
        ? 'none yet. Submit one with: claudine run "<what to do>"'
        : `${counts.running} running, ${counts.queued} queued${counts.blocked > 0 ? ` (${counts.blocked} blocked)` : ''}, ${counts.completed} completed, ${counts.failed === 0 ? '0 failed' : paint(terminal, 'red', `${counts.failed} failed`)}, ${counts.cancelled} cancelled`
    }`,
    `${key('spent')}  $${report.budget.spentTodayUsd.toFixed(2)} today${report.budget.dailyUsd === null ? '' : ` of a daily budget of $${report.budget.dailyUsd.toFixed(2)}`}`,
  ];
  if (worktreesBytes > 0)
    lines.push(`${key('disk')}  ${formatBytes(worktreesBytes)} in task worktrees (claudine worktree ls; prune: claudine worktree prune)`);
  if (notifications.channels.length > 0 || notifications.lastError !== null) {
    lines.push(`${key('notify')}  ${notificationText(terminal, notifications)}`);
  }
  const sections = [lines.join('\n')];
  if (running.tasks.length > 0) sections.push(`${paint(terminal, 'bold', 'Running')}\n${taskTable(terminal, running.tasks, orphaned)}`);
  if (recent.tasks.length > 0) sections.push(`${paint(terminal, 'bold', 'Finished last')}\n${taskTable(terminal, recent.tasks)}`);
  if (total > 0)
    sections.push(
      paint(terminal, 'dim', 'More: claudine ls (filters: --status, --label, --agent, --since). One task: claudine status <id>'),
    );
  process.stdout.write(`${sections.join('\n\n')}\n`);
}

function configuredChannels(config: Config): NotificationChannelName[] {
  const channels: NotificationChannelName[] = [];
  if (config.notify.desktop) channels.push('desktop');
  if (config.notify.webhook !== undefined) channels.push('webhook');
  if (config.notify.command !== undefined) channels.push('command');
  return channels;
}

// The channels, then how delivery went: the last error in red, with when and about what.
function notificationText(
  terminal: Terminal,
  notifications: { readonly channels: readonly string[]; readonly dropped: number | null; readonly lastError: DeliveryError | null },
): string {
  const channels = notifications.channels.length === 0 ? 'no channel' : notifications.channels.join(', ');
  const dropped = notifications.dropped !== null && notifications.dropped > 0 ? `; ${notifications.dropped} dropped unsent` : '';
  const error = notifications.lastError;
  if (error === null) return `${channels}${dropped}; no delivery errors`;
  return `${channels}${dropped}; ${paint(terminal, 'red', `last error ${relativeTime(error.at)} (${error.channel}, task ${error.taskId} ${error.event}): ${error.message}`)}`;
}

// What a person can do next with the task, as commands to copy.
function nextSteps(terminal: Terminal, task: Task): string {
  const steps: string[] = [];
  if (task.status === 'running') steps.push(`claudine logs -f ${task.id}`, `claudine cancel ${task.id}`);
  else if (task.status === 'queued') steps.push(`claudine cancel ${task.id}`);
  else steps.push(`claudine logs ${task.id}`);
  if (task.status === 'failed' || task.status === 'cancelled') steps.push(`claudine retry ${task.id}`);
  if (task.agent === 'claude' && task.report?.sessionId != null && task.status !== 'running') {
    steps.push(`claudine resume ${task.id} "<what to do next>"`);
  }
  if (task.dependsOn.length > 0) steps.push(`claudine graph ${task.id}`);
  return `${paint(terminal, 'dim', `next: ${steps.join('  |  ')}`)}\n`;
}
