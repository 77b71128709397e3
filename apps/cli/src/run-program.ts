import { readFileSync } from 'node:fs';
import { isClaudineError } from '@claudine/core';
import { type Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { EXIT, exitCodeForError } from './exit-codes.js';

/** The CLI's version, from its package.json (one directory up from dist/ and from bundle/). */
export function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * Runs the program on `process.argv`: maps errors to messages and exit codes. Only the CLI's
 * entry points call it.
 */
export async function runProgram(program: Command): Promise<void> {
  const debug = process.argv.includes('--debug');

  // A reader that stops early (`claudine ls | head`) closes the pipe: that is no error. A message
  // that cannot be shown on stderr (closed, /dev/full) must not change what the command does:
  // above all, a foreground host must not die of its log.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (stream === process.stderr) return;
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }

  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage mistake.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else {
      const message =
        error instanceof CliError || isClaudineError(error) ? error.message : String(error instanceof Error ? error.message : error);
      process.stderr.write(`claudine: ${message}\n`);
      if (debug && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : exitCodeForError(error);
    }
  }
}
