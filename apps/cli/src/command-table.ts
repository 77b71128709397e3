/** A module in `commands/` that registers one top-level command. */
export type CommandModule =
  | 'run'
  | 'ls'
  | 'status'
  | 'logs'
  | 'wait'
  | 'cancel'
  | 'retry'
  | 'resume'
  | 'deps'
  | 'graph'
  | 'diff'
  | 'merge'
  | 'worktree'
  | 'metrics'
  | 'host'
  | 'config'
  | 'db'
  | 'doctor'
  | 'completion'
  | 'mcp'
  | 'ui';

/** A top-level command in {@link COMMAND_TABLE}. */
export interface CommandEntry {
  /** Its name, then its aliases. */
  readonly names: readonly string[];
  readonly module: CommandModule;
  /** True when it cannot run without the other commands registered too. */
  readonly needsEveryCommand?: boolean;
}

/**
 * The top-level commands: the names each answers to and the module in `commands/` that
 * registers it, in the order `claudine --help` lists them. Kept free of imports, so the
 * bundled bin can pick a command's bundle from it without loading anything else.
 */
export const COMMAND_TABLE: readonly CommandEntry[] = [
  { names: ['run'], module: 'run' },
  { names: ['ls', 'list'], module: 'ls' },
  { names: ['status'], module: 'status' },
  { names: ['logs'], module: 'logs' },
  { names: ['wait'], module: 'wait' },
  { names: ['cancel'], module: 'cancel' },
  { names: ['retry'], module: 'retry' },
  { names: ['resume'], module: 'resume' },
  { names: ['deps'], module: 'deps' },
  { names: ['graph'], module: 'graph' },
  { names: ['diff'], module: 'diff' },
  { names: ['merge'], module: 'merge' },
  { names: ['worktree'], module: 'worktree' },
  { names: ['metrics'], module: 'metrics' },
  { names: ['host'], module: 'host' },
  { names: ['config'], module: 'config' },
  { names: ['db'], module: 'db' },
  { names: ['doctor'], module: 'doctor' },
  // Its scripts are generated from every command.
  { names: ['completion'], module: 'completion', needsEveryCommand: true },
  { names: ['mcp'], module: 'mcp' },
  { names: ['ui'], module: 'ui' },
];

// Options of the program itself that take a value: the word after them is no command name.
const GLOBAL_VALUE_OPTIONS = ['--home'];

/**
 * The module of the command that `args` (the user's arguments, without node and the script)
 * run, or undefined when they need every command: no command, help, a word that is no command
 * (commander answers it with suggestions), or a command that needs the others.
 */
export function commandModuleOf(args: readonly string[]): CommandModule | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === '--') return undefined;
    if (GLOBAL_VALUE_OPTIONS.includes(arg)) index += 1;
    else if (!arg.startsWith('-')) {
      const command = COMMAND_TABLE.find((entry) => entry.names.includes(arg));
      return command?.needsEveryCommand === true ? undefined : command?.module;
    }
  }
  return undefined;
}
