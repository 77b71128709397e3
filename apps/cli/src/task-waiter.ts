import type { Task } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import { printJson } from './context.js';
import { EXIT, exitCodeForTask } from './exit-codes.js';
import { displayStatus } from './format-task.js';
import { SubmittedJson, TaskJson } from './json-shapes.js';
import { createOutputPrinter } from './output-printer.js';
import { createProgress } from './progress.js';
import { detectTerminal, paint, type Terminal } from './terminal.js';

/** How {@link waitForTaskAndReport} shows the wait. */
export interface WaitReportOptions {
  /** Print the finished task as JSON instead of streaming its output. */
  readonly json: boolean;
  /** Claude tasks: print the raw stream-json instead of a transcript. */
  readonly raw: boolean;
}

/**
 * What `run` and `resume` do once a task is stored: warn when no host could start, then print
 * its id (or, with `--json`, the submission) or, with `--wait`/`--follow`, wait for it. Returns
 * the exit code, or undefined when nothing was waited for.
 */
export async function reportSubmitted(
  claudine: Claudine,
  terminal: Terminal,
  submitted: { readonly task: Task; readonly hostError: string | null; readonly warnings?: readonly string[] },
  options: { readonly wait?: boolean; readonly follow?: boolean; readonly json?: boolean; readonly raw?: boolean },
): Promise<number | undefined> {
  const { task, hostError } = submitted;
  for (const warning of submitted.warnings ?? []) process.stderr.write(`claudine: warning: ${warning}\n`);
  if (hostError !== null) process.stderr.write(`claudine: task ${task.id} is queued, but no host could start: ${hostError}\n`);
  if (options.wait !== true && options.follow !== true) {
    if (options.json === true) await printJson(SubmittedJson, { id: task.id, status: task.status, task });
    else process.stdout.write(`${task.id}\n`);
    return undefined;
  }
  return waitForTaskAndReport(claudine, terminal, task, { json: options.json === true, raw: options.raw === true });
}

/**
 * Waits for a submitted task the way `run --wait` (and `--follow`) does: streams its output (or,
 * with `json`, prints the finished task), shows live progress on stderr, and returns the exit
 * code that reports how the task ended. Ctrl-C stops waiting, not the task (exit 130).
 */
export async function waitForTaskAndReport(
  claudine: Claudine,
  terminal: Terminal,
  task: Task,
  options: WaitReportOptions,
): Promise<number> {
  const errorTerminal = detectTerminal(process.stderr);
  if (!options.json && errorTerminal.interactive) {
    process.stderr.write(`${paint(errorTerminal, 'dim', `task ${task.id} submitted; waiting (Ctrl-C stops waiting, not the task)`)}\n`);
  }
  // Plain progress lines would clutter a script's stderr when it only asked for the JSON.
  const progress = createProgress({ terminal: errorTerminal, plainLines: !options.json });
  const printer = createOutputPrinter({ terminal, transcript: task.agent === 'claude' && !options.raw });
  const interrupted = new AbortController();
  const watching = new AbortController();
  const onInterrupt = (): void => interrupted.abort();
  process.once('SIGINT', onInterrupt);
  progress.update(task);
  // Progress follows the task's state in parallel with the output; it ends with the output.
  const states = claudine
    .waitForTask(task.id, { signal: AbortSignal.any([interrupted.signal, watching.signal]), onUpdate: (next) => progress.update(next) })
    .catch(() => undefined);
  try {
    const finished = options.json
      ? await claudine.waitForTask(task.id, { signal: interrupted.signal })
      : await claudine.followOutputBytes(task.id, (chunks) => progress.around(() => printer.print(chunks)), {
          signal: interrupted.signal,
          onDamage: (damage) => void progress.around(() => printer.damage(damage)),
        });
    watching.abort();
    await states;
    progress.stop();
    await printer.flush();
    if (interrupted.signal.aborted) {
      process.stderr.write(
        `claudine: stopped waiting; task ${task.id} is ${displayStatus(finished)}. Follow it with: claudine logs -f ${task.id}\n`,
      );
      return EXIT.cancelled;
    }
    if (options.json) await printJson(TaskJson, finished);
    else if (finished.status !== 'completed') {
      process.stderr.write(
        `claudine: task ${task.id} ${finished.status}${finished.statusDetail === null ? '' : `: ${finished.statusDetail}`}\n`,
      );
    } else if (!errorTerminal.interactive) {
      // A log read later shows the wait ended well, not only that output stopped.
      process.stderr.write(`claudine: task ${task.id} completed\n`);
    }
    return exitCodeForTask(finished);
  } finally {
    watching.abort();
    progress.stop();
    process.off('SIGINT', onInterrupt);
  }
}
