import type { Command } from 'commander';

const EXAMPLES = new WeakMap<Command, readonly string[]>();

/**
 * Adds examples to a command's `--help` (after the options) and records them, so the README's
 * CLI reference is generated from the same lines.
 */
export function withExamples(command: Command, examples: readonly string[]): Command {
  EXAMPLES.set(command, examples);
  const title = examples.length === 1 ? 'Example' : 'Examples';
  return command.addHelpText('after', `\n${title}:\n${examples.map((example) => `  $ ${example}`).join('\n')}`);
}

/** The examples recorded for `command` by {@link withExamples}. */
export function commandExamples(command: Command): readonly string[] {
  return EXAMPLES.get(command) ?? [];
}
