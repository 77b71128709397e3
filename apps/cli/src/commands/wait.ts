import { isTerminalStatus, type Task } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT, exitCodeForTask } from '../exit-codes.js';
import { displayStatus } from '../format-task.js';
import { withExamples } from '../help-examples.js';
import { WaitJson } from '../json-shapes.js';
import { durationOption } from '../parse-options.js';

interface WaitCommandOptions {
  timeout?: string;
  json?: boolean;
}

/** `claudine wait <id...>`: wait until every given task has finished. */
export function registerWait(program: Command): void {
  const wait = program
    .command('wait')
    .summary('wait for tasks to finish')
    .description(
      'Waits until every given task has finished (completed, failed, timed out or cancelled) and prints one line per task: its id and how it ended. "-" reads the ids from stdin, one per line or separated by spaces, so it follows `run --batch` in a pipe. Exits 0 when every task completed, else with the exit code of the first task (in the order given) that did not, as `run --wait` reports it; 124 when --timeout passed first (the tasks go on). Ctrl-C stops waiting, not the tasks (exit 130).',
    )
    .argument('<id...>', 'task ids, or - to read them from stdin')
    .option('-t, --timeout <duration>', 'stop waiting after this long (90s, 10m, 1h); the tasks go on')
    .option('--json', 'print JSON when all have finished: { tasks: [task], finished: boolean }');
  withExamples(wait, [
    'claudine wait 3k9x2m4qab 7hq2w0v9xe',
    'claudine run --batch workflow.jsonl | claudine wait -',
    'claudine wait -t 30m $(claudine ls -q --status running)',
  ]).action(async (given: string[], options: WaitCommandOptions, command: Command) => {
    const timeoutMs =
      options.timeout === undefined ? undefined : durationOption(options.timeout, '--timeout', '90s, 10m or 1h', { positive: true });
    const ids = given.includes('-') ? [...given.filter((id) => id !== '-'), ...(await readIds())] : given;
    if (ids.length === 0)
      throw new CliError('no task ids on stdin: give ids, or pipe `claudine run --batch` into `claudine wait -`', EXIT.usage);
    await withClaudine(
      command,
      async (claudine) => {
        // Unknown ids are refused before any waiting, so a typo is not found an hour later.
        const tasks = await Promise.all(ids.map((id) => claudine.get(id)));
        const { finished, interrupted } = await waitForAll(claudine, tasks, timeoutMs, options.json !== true);
        const unfinished = finished.filter((task) => !isTerminalStatus(task.status));
        if (options.json === true) await printJson(WaitJson, { tasks: finished, finished: unfinished.length === 0 });
        process.exitCode = interrupted ? EXIT.cancelled : exitCode(finished, unfinished);
        if (unfinished.length > 0 && options.json !== true) {
          const which = unfinished.map((task) => task.id).join(' ');
          process.stderr.write(
            `claudine: stopped waiting; still unfinished: ${which}. They go on; wait again with: claudine wait ${which}\n`,
          );
        }
      },
      { autoStartHost: true },
    );
  });
}

// One task at a time, in the order given: the wait ends when the last one has, and only one
// watch is open however many ids a batch printed.
async function waitForAll(
  claudine: Claudine,
  tasks: readonly Task[],
  timeoutMs: number | undefined,
  print: boolean,
): Promise<{ finished: Task[]; interrupted: boolean }> {
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  const interrupted = new AbortController();
  const onInterrupt = (): void => interrupted.abort();
  process.once('SIGINT', onInterrupt);
  try {
    const finished: Task[] = [];
    for (const task of tasks) {
      if (interrupted.signal.aborted) {
        finished.push(task);
        continue;
      }
      const remaining = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      const next = isTerminalStatus(task.status)
        ? task
        : await claudine.waitForTask(task.id, { signal: interrupted.signal, ...(remaining === undefined ? {} : { timeoutMs: remaining }) });
      finished.push(next);
      if (print && isTerminalStatus(next.status)) process.stdout.write(`${finishedLine(next)}\n`);
    }
    return { finished, interrupted: interrupted.signal.aborted };
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function finishedLine(task: Task): string {
  const detail = task.status === 'completed' || task.statusDetail === null ? '' : `: ${task.statusDetail}`;
  return `${task.id} ${displayStatus(task)}${detail}`;
}

function exitCode(finished: readonly Task[], unfinished: readonly Task[]): number {
  if (unfinished.length > 0) return EXIT.timeout;
  const failed = finished.find((task) => task.status !== 'completed');
  return failed === undefined ? EXIT.ok : exitCodeForTask(failed);
}

async function readIds(): Promise<string[]> {
  if (process.stdin.isTTY === true) throw new CliError('"-" reads task ids from stdin, but stdin is a terminal: pipe ids in', EXIT.usage);
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  return text.split(/\s+/).filter((id) => id.length > 0);
}
