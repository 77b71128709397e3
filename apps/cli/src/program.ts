import { Command } from 'commander';
import { registerCancel } from './commands/cancel.js';
import { registerCompletion } from './commands/completion.js';
import { registerConfig } from './commands/config.js';
import { registerDb } from './commands/db.js';
import { registerDeps } from './commands/deps.js';
import { registerDiff } from './commands/diff.js';
import { registerDoctor } from './commands/doctor.js';
import { registerGraph } from './commands/graph.js';
import { registerHost } from './commands/host.js';
import { registerLogs } from './commands/logs.js';
import { registerLs } from './commands/ls.js';
import { registerMcp } from './commands/mcp.js';
import { registerMerge } from './commands/merge.js';
import { registerMetrics } from './commands/metrics.js';
import { registerResume } from './commands/resume.js';
import { registerRetry } from './commands/retry.js';
import { registerRun } from './commands/run.js';
import { registerStatus } from './commands/status.js';
import { registerUi } from './commands/ui.js';
import { registerWorktree } from './commands/worktree.js';

/** Builds the `claudine` command line. */
export function createProgram(version: string): Command {
  const program = new Command('claudine')
    .description('Hand tasks to background coding agents (Claude Code, Codex, any command) and get on with your work.')
    .version(version, '-V, --version')
    .option('--home <dir>', 'data directory (default: $CLAUDINE_HOME, else ~/.local/share/claudine)')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    // Set before the subcommands are added, which inherit it: errors are thrown, not exited on.
    .exitOverride();
  registerRun(program);
  registerLs(program);
  registerStatus(program);
  registerLogs(program);
  registerCancel(program);
  registerRetry(program);
  registerResume(program);
  registerDeps(program);
  registerGraph(program);
  registerDiff(program);
  registerMerge(program);
  registerWorktree(program);
  registerMetrics(program);
  registerHost(program);
  registerConfig(program);
  registerDb(program);
  registerDoctor(program);
  registerCompletion(program);
  registerMcp(program);
  registerUi(program);
  return program;
}
