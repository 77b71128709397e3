import type { Task } from '@claudine/core';
import type { CancelResult, Claudine } from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT, exitCodeForError } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { CancelJson } from '../json-shapes.js';
import { collectList } from '../parse-options.js';

interface CancelOptions {
  reason?: string;
  allQueued?: boolean;
  label: string[];
  json?: boolean;
}

type CancelEntry = {
  id: string;
  outcome: 'cancelled' | 'requested' | null;
  status: Task['status'] | null;
  error: string | null;
  hostGone: boolean | null;
};

/** `claudine cancel <id...>`: cancel queued tasks, stop running ones. */
export function registerCancel(program: Command): void {
  const cancel = program
    .command('cancel')
    .summary('cancel tasks')
    .description(
      "Cancels queued tasks (they never start) and stops running ones (SIGTERM to their process tree, SIGKILL after the grace period). A cancel is durable: if the task's host has died, a host is started, and its recovery stops what is left of the task and records it cancelled; it never runs again. Tasks waiting for a cancelled task follow their dependency policy. Each id is handled on its own: one that cannot be cancelled is reported and the others still are; the exit code is that of the first failure.",
    )
    .argument('[id...]', 'task ids')
    .option('--all-queued', 'cancel every queued task (running ones go on)')
    .option('-l, --label <labels>', 'with --all-queued: only the queued tasks with this label (several: with all of them)', collectList, [])
    .option('-r, --reason <text>', 'why, recorded on the task')
    .option('--json', 'print JSON: [{ id, outcome, status, error, hostGone }]');
  withExamples(cancel, [
    'claudine cancel 3k9x2m4qab',
    'claudine cancel -r "wrong branch" 3k9x2m4qab 7hq2w0v9xe',
    'claudine cancel --all-queued --label experiment',
  ]).action(async (ids: string[], options: CancelOptions, command: Command) => {
    if (options.allQueued === true && ids.length > 0) throw new CliError('give task ids or --all-queued, not both', EXIT.usage);
    if (options.allQueued !== true && ids.length === 0) {
      throw new CliError('say which tasks to cancel: give their ids, or --all-queued', EXIT.usage);
    }
    if (options.label.length > 0 && options.allQueued !== true) throw new CliError('--label goes with --all-queued', EXIT.usage);
    await withClaudine(
      command,
      async (claudine) => {
        const targets = options.allQueued === true ? await queuedIds(claudine, options.label) : ids;
        const results: CancelEntry[] = [];
        let exitCode: number = EXIT.ok;
        for (const id of targets) {
          try {
            const outcome = await claudine.cancel(id, options.reason);
            results.push({ id, outcome: outcome.kind, status: outcome.task.status, error: null, hostGone: outcome.hostGone });
            if (outcome.hostError !== null) {
              // The request is stored, but nothing carries it out until a host runs.
              exitCode = exitCode === EXIT.ok ? EXIT.failure : exitCode;
              if (options.json !== true) {
                process.stderr.write(
                  `claudine: ${id} is running but its host is gone, and no host could be started: ${outcome.hostError}\nThe cancel is recorded: the next host stops the task and records it cancelled (start one with \`claudine host start\`).\n`,
                );
              }
            } else if (options.json !== true) process.stdout.write(`${cancelMessage(id, outcome)}\n`);
          } catch (error) {
            // With --all-queued, a task that started or ended meanwhile is no failure of the command.
            if (options.allQueued === true && exitCodeForError(error) === EXIT.conflict) continue;
            exitCode = exitCode === EXIT.ok ? exitCodeForError(error) : exitCode;
            const message = error instanceof Error ? error.message : String(error);
            results.push({ id, outcome: null, status: null, error: message, hostGone: null });
            if (options.json !== true) process.stderr.write(`claudine: ${message}\n`);
          }
        }
        if (options.json === true) printJson(CancelJson, results);
        else if (options.allQueued === true && results.length === 0) {
          const labelled =
            options.label.length === 0 ? '' : ` with label${options.label.length > 1 ? 's' : ''} ${options.label.join(', ')}`;
          process.stdout.write(`no queued task${labelled} to cancel\n`);
        }
        process.exitCode = exitCode;
      },
      { autoStartHost: true },
    );
  });
}

function cancelMessage(id: string, outcome: CancelResult): string {
  if (outcome.kind === 'cancelled') return `${id} cancelled`;
  if (!outcome.hostGone) return `${id} is running: asked its host to stop it`;
  return outcome.hostStarted
    ? `${id} was running, but its host is gone: started a host, which stops what is left of it and records it cancelled`
    : `${id} was running, but its host is gone: the host now running stops what is left of it and records it cancelled`;
}

async function queuedIds(claudine: Claudine, labels: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await claudine.list({
      statuses: ['queued'],
      limit: 1000,
      ...(labels.length === 0 ? {} : { labels }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    ids.push(...page.tasks.map((task) => task.id));
    if (page.nextCursor === null) return ids;
    cursor = page.nextCursor;
  }
}
