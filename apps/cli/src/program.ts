import { Command } from 'commander';
import { COMMAND_TABLE, type CommandModule, commandModuleOf } from './command-table.js';

/** Adds one top-level command (with its subcommands) to the program. */
export type RegisterCommand = (program: Command) => void;

// Each command's module loads only when that command runs, so it does not pay for the others.
const LOADERS: Readonly<Record<CommandModule, () => Promise<RegisterCommand>>> = {
  run: async () => (await import('./commands/run.js')).registerRun,
  ls: async () => (await import('./commands/ls.js')).registerLs,
  status: async () => (await import('./commands/status.js')).registerStatus,
  logs: async () => (await import('./commands/logs.js')).registerLogs,
  wait: async () => (await import('./commands/wait.js')).registerWait,
  cancel: async () => (await import('./commands/cancel.js')).registerCancel,
  retry: async () => (await import('./commands/retry.js')).registerRetry,
  resume: async () => (await import('./commands/resume.js')).registerResume,
  deps: async () => (await import('./commands/deps.js')).registerDeps,
  graph: async () => (await import('./commands/graph.js')).registerGraph,
  diff: async () => (await import('./commands/diff.js')).registerDiff,
  merge: async () => (await import('./commands/merge.js')).registerMerge,
  worktree: async () => (await import('./commands/worktree.js')).registerWorktree,
  metrics: async () => (await import('./commands/metrics.js')).registerMetrics,
  host: async () => (await import('./commands/host.js')).registerHost,
  config: async () => (await import('./commands/config.js')).registerConfig,
  db: async () => (await import('./commands/db.js')).registerDb,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  completion: async () => (await import('./commands/completion.js')).registerCompletion,
  mcp: async () => (await import('./commands/mcp.js')).registerMcp,
  ui: async () => (await import('./commands/ui.js')).registerUi,
};

/** The `claudine` program with its global options and no commands yet. */
export function createBaseProgram(version: string): Command {
  return (
    new Command('claudine')
      .description('Hand tasks to background coding agents (Claude Code, Codex, any command) and get on with your work.')
      .version(version, '-V, --version')
      .option('--home <dir>', 'data directory (default: $CLAUDINE_HOME, else ~/.local/share/claudine)')
      .option('--debug', 'print stack traces of errors')
      .showHelpAfterError('(run with --help for usage)')
      .configureHelp({ sortSubcommands: false })
      // Set before the subcommands are added, which inherit it: errors are thrown, not exited on.
      .exitOverride()
  );
}

/**
 * Builds the `claudine` command line. Given the arguments it will parse (`process.argv`), only
 * the command they name is loaded; without them, or when they name no command (help, a typo
 * that commander answers with suggestions), every command is.
 */
export async function createProgram(version: string, argv?: readonly string[]): Promise<Command> {
  const program = createBaseProgram(version);
  const named = argv === undefined ? undefined : commandModuleOf(argv.slice(2));
  const modules = named === undefined ? COMMAND_TABLE.map((command) => command.module) : [named];
  const registers = await Promise.all(modules.map((module) => LOADERS[module]()));
  for (const register of registers) register(program);
  return program;
}
