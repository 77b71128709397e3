import type { Task } from '@claudine/core';
import { formatDuration } from '@claudine/runtime';
import { paint, relativeTime, type Style, type Terminal, table, truncate } from './terminal.js';

const STATUS_STYLE: Readonly<Record<Task['status'], Style>> = {
  queued: 'yellow',
  running: 'cyan',
  completed: 'green',
  failed: 'red',
  cancelled: 'gray',
};

/**
 * A task's status as shown to people: `blocked` for a queued task waiting on dependencies,
 * `running (no host)` for a running one whose host died (`hostGone`), until a host recovers it.
 */
export function displayStatus(task: Task, hostGone = false): string {
  if (task.status === 'running' && hostGone) return 'running (no host)';
  if (task.status === 'queued' && task.notBefore !== null && task.notBefore > Date.now()) return 'retrying';
  if (task.status === 'queued' && task.blockedBy.length > 0) return 'blocked';
  return task.status;
}

/** The status, coloured. */
export function paintStatus(terminal: Terminal, task: Task, hostGone = false): string {
  const orphaned = hostGone && task.status === 'running';
  return paint(terminal, orphaned ? 'yellow' : STATUS_STYLE[task.status], displayStatus(task, hostGone));
}

/** How long the task ran, or has been running. */
export function taskDuration(task: Task, now = Date.now()): string {
  if (task.startedAt === null || task.status === 'queued') return '-';
  return formatDuration((task.finishedAt ?? now) - task.startedAt);
}

/** Tasks as a table that fits the terminal; `orphaned` names running tasks whose host is gone. */
export function taskTable(terminal: Terminal, tasks: readonly Task[], orphaned: ReadonlySet<string> = new Set()): string {
  // The worktree column shows only when the page has a worktree task: most pages have none.
  const withWorktrees = tasks.some((task) => task.worktree !== null);
  const rows = tasks.map((task) => [
    task.id,
    paintStatus(terminal, task, orphaned.has(task.id)),
    task.agent,
    task.priority,
    relativeTime(task.createdAt),
    taskDuration(task),
    ...(withWorktrees ? [worktreeCell(task)] : []),
    task.prompt,
  ]);
  const headers = ['ID', 'STATUS', 'AGENT', 'PRI', 'CREATED', 'TOOK', ...(withWorktrees ? ['WORKTREE'] : []), 'PROMPT'];
  // On a narrow terminal the priority, the duration and the age give way before the prompt does.
  return table(terminal, headers, rows, { optional: [3, 5, 4, 2] });
}

/** A worktree task's change in a few characters: `+12 -3 2f`, `merged`, or `-` without a worktree. */
export function worktreeCell(task: Task): string {
  const worktree = task.worktree;
  if (worktree === null) return '-';
  if (worktree.merge !== null) return `merged into ${worktree.merge.target}`;
  const result = worktree.result;
  if (result === null) return worktree.request.branch;
  return `+${result.insertions} -${result.deletions} ${result.filesChanged}f`;
}

/** One task in full, as `key  value` lines; `hostGone` for a running task whose host died. */
export function taskDetails(terminal: Terminal, task: Task, options: { readonly hostGone?: boolean } = {}): string {
  const hostGone = options.hostGone === true && task.status === 'running';
  const lines: Array<[string, string]> = [
    ['id', paint(terminal, 'bold', task.id)],
    ['status', paintStatus(terminal, task, hostGone) + (task.failureReason === null ? '' : ` (${task.failureReason})`)],
  ];
  if (hostGone) {
    lines.push([
      'host',
      paint(terminal, 'yellow', `${task.owner ?? 'its host'} is gone; a new host recovers the task (its timeout and cancel included)`),
    ]);
  }
  if (task.statusDetail !== null) lines.push(['detail', task.statusDetail]);
  lines.push(
    ['agent', task.agent + optionsSummary(task)],
    ['priority', task.priority],
    ['cwd', task.cwd],
    ['prompt', truncate(task.prompt, Math.max(40, terminal.width - 12))],
    ['created', `${new Date(task.createdAt).toISOString()} (${relativeTime(task.createdAt)})`],
  );
  if (task.startedAt !== null) lines.push(['started', new Date(task.startedAt).toISOString()]);
  if (task.finishedAt !== null) lines.push(['finished', new Date(task.finishedAt).toISOString()]);
  if (task.startedAt !== null && task.status !== 'queued') lines.push(['took', taskDuration(task)]);
  lines.push(['timeout', formatDuration(task.timeoutMs)]);
  if (task.attempt > 1) lines.push(['attempt', `${task.attempt} (retries allowed: ${task.maxRetries})`]);
  if (task.dependsOn.length > 0) {
    lines.push(['depends on', `${task.dependsOn.join(', ')} (if one fails: ${task.dependencyPolicy})`]);
    if (task.blockedBy.length > 0) lines.push(['waits for', paint(terminal, 'yellow', task.blockedBy.join(', '))]);
    if (task.passDependencyResults) lines.push(['context', 'receives the results of its dependencies']);
  }
  if (task.labels.length > 0) lines.push(['labels', task.labels.join(', ')]);
  if (task.worktree !== null) lines.push(...worktreeLines(task.worktree));
  if (task.pid !== null && task.status === 'running') lines.push(['pid', String(task.pid)]);
  if (task.exitCode !== null || task.signal !== null) {
    lines.push(['exit', task.signal === null ? `code ${task.exitCode}` : `signal ${task.signal}`]);
  }
  if (task.warnedAt !== null) lines.push(['warning', `near its timeout since ${new Date(task.warnedAt).toISOString()}`]);
  const report = task.report;
  if (report !== null) {
    if (report.sessionId !== null) lines.push(['session', report.sessionId]);
    if (report.model !== null) lines.push(['model', report.model]);
    if (report.turns !== null) lines.push(['turns', String(report.turns)]);
    if (report.usage !== null) {
      const usage = report.usage;
      lines.push([
        'tokens',
        `${usage.inputTokens} in, ${usage.outputTokens} out, ${usage.cacheReadInputTokens} cache read, ${usage.cacheCreationInputTokens} cache write`,
      ]);
    }
    if (report.costUsd !== null) lines.push(['cost', `$${report.costUsd.toFixed(4)}`]);
    if (report.resultText !== null) lines.push(['result', report.resultText]);
  }
  if (task.outputTruncated) lines.push(['output', paint(terminal, 'yellow', 'truncated (see the log for why)')]);
  const width = Math.max(...lines.map(([key]) => key.length));
  return lines.map(([key, value]) => `${paint(terminal, 'dim', key.padEnd(width))}  ${value}`).join('\n');
}

function optionsSummary(task: Task): string {
  const options = task.agentOptions;
  const parts: string[] = [];
  if (options.model !== undefined) parts.push(`model ${options.model}`);
  if (options.permissionMode !== undefined) parts.push(options.permissionMode);
  if (options.maxTurns !== undefined) parts.push(`max ${options.maxTurns} turns`);
  if (options.resumeSessionId !== undefined) parts.push(`resumes ${options.resumeSessionId}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

function worktreeLines(worktree: NonNullable<Task['worktree']>): Array<[string, string]> {
  const lines: Array<[string, string]> = [
    ['branch', worktree.request.branch],
    ['worktree', worktree.removedAt === null ? worktree.path : `${worktree.path} (removed)`],
    ['base', worktree.request.baseCommit],
  ];
  if (worktree.stackedOn !== null) lines.push(['stacked on', worktree.stackedOn]);
  if (worktree.setup !== null) lines.push(['setup', worktree.setup]);
  if (worktree.result !== null) {
    const result = worktree.result;
    lines.push(['head', result.headCommit]);
    lines.push(['changes', `${result.filesChanged} file(s), +${result.insertions} -${result.deletions} (claudine diff to see them)`]);
  }
  if (worktree.merge !== null) {
    lines.push([
      'merged',
      `into ${worktree.merge.target} (${worktree.merge.strategy}) as ${worktree.merge.commit} at ${new Date(worktree.merge.mergedAt).toISOString()}`,
    ]);
  }
  return lines;
}
