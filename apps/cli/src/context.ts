import { type Claudine, openClaudine } from '@claudine/runtime';
import type { Command } from 'commander';
import type * as z from 'zod';
import type { JsonValue } from './json-shapes.js';
import { writeStdout } from './stream-writer.js';
import { detectTerminal, type Terminal } from './terminal.js';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly home?: string;
  readonly debug?: boolean;
}

// Commands import it from here with the rest of their context; bin.ts from its own file, which
// loads nothing else.
export { CliError } from './cli-error.js';

/** The options of the program, whichever subcommand `command` is. */
export function globalOptions(command: Command): GlobalOptions {
  let root = command;
  while (root.parent !== null) root = root.parent;
  return root.opts<GlobalOptions>();
}

/**
 * Opens Claudine for one command and closes it afterwards. With `autoStartHost` (the default) the
 * command starts a host when it finds queued or running tasks and none is alive; `false` for
 * commands that must not (`host status`, `host stop`, `db`).
 */
export async function withClaudine<T>(
  command: Command,
  work: (claudine: Claudine, terminal: Terminal) => Promise<T>,
  options: { autoStartHost?: boolean } = {},
): Promise<T> {
  const { home } = globalOptions(command);
  const claudine = openClaudine({
    ...(home === undefined ? {} : { home }),
    ...(options.autoStartHost === undefined ? {} : { autoStartHost: options.autoStartHost }),
  });
  try {
    return await work(claudine, detectTerminal());
  } finally {
    claudine.close();
  }
}

/**
 * Prints a value as JSON on stdout (the `--json` output of every read command). The shape names
 * the documented schema (json-shapes.ts) the value must match; the compiler checks it. A
 * promise, when returned, resolves once stdout drained: await it before printing more.
 */
export function printJson<Shape extends z.ZodType>(_shape: Shape, value: JsonValue<z.input<Shape>>): Promise<void> | undefined {
  return writeStdout(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Prints a value as one line of JSON (NDJSON: `logs --follow --json`); a promise, when returned,
 * resolves once stdout drained.
 */
export function printJsonLine<Shape extends z.ZodType>(_shape: Shape, value: JsonValue<z.input<Shape>>): Promise<void> | undefined {
  return writeStdout(`${JSON.stringify(value)}\n`);
}
