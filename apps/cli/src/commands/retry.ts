import { readFileSync } from 'node:fs';
import type { TaskStatus } from '@claudine/core';
import type { Command } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT, exitCodeForError } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { RetryJson } from '../json-shapes.js';

/** `claudine retry <id...>`: run failed or cancelled tasks again. */
export function registerRetry(program: Command): void {
  const retry = program
    .command('retry')
    .summary('run failed or cancelled tasks again')
    .description(
      'Puts failed or cancelled tasks back in the queue. The tasks that failed or were cancelled only because one of them did (reason dependency_failed) are re-queued with it, so retrying the root of a failed workflow runs the rest of it again.',
    )
    .argument('<id...>', 'task ids')
    .option(
      '--prompt <text>',
      'run it with these instructions instead of its own (they replace its prompt; - reads them from stdin); one task only',
    )
    .option('--json', 'print JSON: [{ id, status, error }]');
  withExamples(retry, [
    'claudine retry 3k9x2m4qab',
    'claudine retry 3k9x2m4qab 7hq2w0v9xe --json',
    'claudine retry 3k9x2m4qab --prompt "Fix the failing test; do not touch the fixtures"',
  ]).action(async (ids: string[], options: { json?: boolean; prompt?: string }, command: Command) => {
    if (options.prompt !== undefined && ids.length > 1) {
      throw new CliError('--prompt gives one task new instructions: retry one task with it', EXIT.usage);
    }
    const prompt = options.prompt === '-' ? readFileSync(0, 'utf8') : options.prompt;
    await withClaudine(command, async (claudine) => {
      const results: Array<{ id: string; status: TaskStatus | null; error: string | null }> = [];
      let exitCode: number = EXIT.ok;
      for (const id of ids) {
        try {
          const task = await claudine.retry(id, prompt === undefined ? {} : { prompt });
          results.push({ id, status: task.status, error: null });
          if (options.json !== true) process.stdout.write(`${id} queued again\n`);
        } catch (error) {
          exitCode = exitCode === EXIT.ok ? exitCodeForError(error) : exitCode;
          const message = error instanceof Error ? error.message : String(error);
          results.push({ id, status: null, error: message });
          if (options.json !== true) process.stderr.write(`claudine: ${message}\n`);
        }
      }
      if (options.json === true) printJson(RetryJson, results);
      process.exitCode = exitCode;
    });
  });
}
