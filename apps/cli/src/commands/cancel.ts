import type { Command } from 'commander';
import { printJson, withClaudine } from '../context.js';
import { EXIT, exitCodeForError } from '../exit-codes.js';

interface CancelOptions {
  reason?: string;
  json?: boolean;
}

/** `claudine cancel <id...>`: cancel queued tasks, stop running ones. */
export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .summary('cancel tasks')
    .description(
      'Cancels queued tasks (they never start) and stops running ones (SIGTERM to their process tree, SIGKILL after the grace period).',
    )
    .argument('<id...>', 'task ids')
    .option('-r, --reason <text>', 'why, recorded on the task')
    .option('--json', 'print JSON: [{ id, outcome, status, error }]')
    .addHelpText(
      'after',
      `
Examples:
  $ claudine cancel 3k9x2m4qab
  $ claudine cancel -r "wrong branch" 3k9x2m4qab 7hq2w0v9xe`,
    )
    .action(async (ids: string[], options: CancelOptions, command: Command) => {
      await withClaudine(
        command,
        async (claudine) => {
          const results: Array<{ id: string; outcome: string | null; status: string | null; error: string | null }> = [];
          let exitCode: number = EXIT.ok;
          for (const id of ids) {
            try {
              const outcome = await claudine.cancel(id, options.reason);
              results.push({ id, outcome: outcome.kind, status: outcome.task.status, error: null });
              if (options.json !== true) {
                process.stdout.write(outcome.kind === 'cancelled' ? `${id} cancelled\n` : `${id} is running: asked its host to stop it\n`);
              }
            } catch (error) {
              exitCode = exitCode === EXIT.ok ? exitCodeForError(error) : exitCode;
              const message = error instanceof Error ? error.message : String(error);
              results.push({ id, outcome: null, status: null, error: message });
              if (options.json !== true) process.stderr.write(`claudine: ${message}\n`);
            }
          }
          if (options.json === true) printJson(results);
          process.exitCode = exitCode;
        },
        { autoStartHost: false },
      );
    });
}
