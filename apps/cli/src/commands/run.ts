import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AGENT_KINDS, type AgentOptions, DEPENDENCY_POLICIES, type NewTaskInput, PERMISSION_MODES, PRIORITIES } from '@claudine/core';
import type { Config } from '@claudine/runtime';
import { type Command, Option } from 'commander';
import { CliError, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { collect, collectList, durationOption, wholeNumber } from '../parse-options.js';
import { reportSubmitted } from '../task-waiter.js';

interface RunOptions {
  agent?: (typeof AGENT_KINDS)[number];
  cwd?: string;
  priority?: (typeof PRIORITIES)[number];
  timeout?: string;
  model?: string;
  maxTurns?: string;
  permissionMode?: (typeof PERMISSION_MODES)[number];
  appendSystemPrompt?: string;
  maxBudgetUsd?: string;
  label?: string[];
  env?: string[];
  retries?: string;
  dependsOn?: string[];
  onDependencyFailure?: (typeof DEPENDENCY_POLICIES)[number];
  passResults?: boolean;
  notify?: boolean;
  worktree?: boolean;
  base?: string;
  setup?: string;
  wait?: boolean;
  follow?: boolean;
  raw?: boolean;
  json?: boolean;
}

/** `claudine run`: submit a task, optionally wait for it. */
export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .summary('submit a task to a background agent')
    .description(
      'Submit a task. The prompt is what the agent should do (for --agent command, the shell command to run); "-" reads it from stdin. Prints the task id at once. --wait (or its alias --follow) streams its output, shows live progress on stderr, and exits with the task\'s exit code.',
    )
    .argument('<prompt...>', 'what the agent should do, or - to read it from stdin')
    .addOption(new Option('-a, --agent <agent>', 'agent that runs the task').choices(AGENT_KINDS))
    .option(
      '-C, --cwd <dir>',
      'working directory of the agent, absolute or relative to the current directory (default: the current directory)',
    )
    .addOption(new Option('-p, --priority <priority>', 'P0 runs before P1, P1 before P2').choices(PRIORITIES))
    .option('-t, --timeout <duration>', 'stop the task after this long, e.g. 90s, 10m, 1h (default: 30m)')
    .option('-m, --model <model>', 'model for claude or codex')
    .option('--max-turns <n>', 'most agent turns (claude)')
    .addOption(new Option('--permission-mode <mode>', 'Claude Code permission mode (default: acceptEdits)').choices(PERMISSION_MODES))
    .option('--append-system-prompt <text>', 'text appended to the system prompt (claude)')
    .option('--max-budget-usd <usd>', 'most the task may spend, in USD, over all its attempts (claude)')
    .option('-l, --label <label>', 'a label to find the task by (repeatable)', collect, [])
    .option('-e, --env <KEY=VALUE>', 'an extra environment variable for the agent (repeatable)', collect, [])
    .option(
      '--retries <n>',
      'times the task is run again after a transient failure (rate limit, overload) or a crash of its host, which count alike; claude and codex tasks then continue their session (default: 2; 0: never; retry.onCrash false: not after a crash)',
    )
    .option('-d, --depends-on <id>', 'start only after this task completed (repeatable, or comma-separated)', collectList, [])
    .addOption(
      new Option(
        '--on-dependency-failure <policy>',
        'if a dependency fails: fail this task too (default), cancel it, or run it anyway',
      ).choices(DEPENDENCY_POLICIES),
    )
    .option('--pass-results', "give the agent its dependencies' final results (in the prompt, and as JSON in $CLAUDINE_DEPENDENCY_RESULTS)")
    .option('--notify', "notify of this task's end on every channel configured (notify.*), whatever notify.events says")
    .option('--no-notify', "never notify of this task's end (default: notify.events decides)")
    .option('--worktree', 'run in a new git worktree of the repository containing the cwd, on branch claudine/<id>')
    .option('--no-worktree', 'run in the cwd itself, even when worktree.default is on')
    .option(
      '--base <ref>',
      'with --worktree: the commit to start from, a branch, tag or commit, or a worktree task id to stack on (default: HEAD)',
    )
    .option('--setup <command>', 'with --worktree: a shell command run in the worktree before the agent (default: worktree.setup)')
    .option('-w, --wait', "wait for the task, streaming its output, and exit with the task's exit code")
    .option('-f, --follow', 'the same as --wait (the name logs uses)')
    .option('--raw', "with --wait, show claude's raw stream-json instead of a transcript")
    .option('--json', 'print JSON: { id, status, task } (with --wait: the finished task)');
  withExamples(run, [
    'claudine run "Add input validation to src/api/users.ts and tests for it"',
    'claudine run --agent command --wait "pnpm test"',
    'claudine run -p P0 -t 45m --model opus "Fix the flaky test in test/sync.test.ts"',
    'claudine run - < task.md',
    'claudine run -a command -d 3k9x2m4qab "pnpm test"      # after task 3k9x2m4qab completed',
    'claudine run -d 3k9x2m4qab -d 7hq2w0v9xe --pass-results "Review both changes"',
  ]).action(async (promptParts: string[], options: RunOptions, command: Command) => {
    await withClaudine(command, async (claudine, terminal) => {
      const input = buildInput(promptParts, options);
      if (options.notify === true && !hasNotificationChannel(claudine.config)) {
        process.stderr.write(
          'claudine: --notify has nothing to notify through: set notify.desktop, notify.webhook or notify.command (claudine config set ...)\n',
        );
      }
      const code = await reportSubmitted(claudine, terminal, await claudine.submit(input), options);
      if (code !== undefined) process.exitCode = code;
    });
  });
}

function buildInput(promptParts: string[], options: RunOptions): NewTaskInput {
  const prompt = promptParts.length === 1 && promptParts[0] === '-' ? readFileSync(0, 'utf8') : promptParts.join(' ');
  const agentOptions: AgentOptions = {};
  if (options.model !== undefined) agentOptions.model = options.model;
  if (options.maxTurns !== undefined) agentOptions.maxTurns = wholeNumber(options.maxTurns, '--max-turns', 1);
  if (options.permissionMode !== undefined) agentOptions.permissionMode = options.permissionMode;
  if (options.appendSystemPrompt !== undefined) agentOptions.appendSystemPrompt = options.appendSystemPrompt;
  if (options.maxBudgetUsd !== undefined) {
    const budget = Number(options.maxBudgetUsd);
    if (!(budget > 0)) throw new CliError('--max-budget-usd takes an amount in USD above 0, e.g. 2.50', EXIT.usage);
    agentOptions.maxBudgetUsd = budget;
  }
  if (options.env !== undefined && options.env.length > 0) agentOptions.env = parseEnvironment(options.env);
  const input: NewTaskInput = {
    prompt,
    // A relative directory (`-C sub`, `-C .`) is relative to where the command runs.
    cwd: resolve(options.cwd ?? '.'),
    agentOptions,
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.label === undefined || options.label.length === 0 ? {} : { labels: options.label }),
    ...(options.dependsOn === undefined || options.dependsOn.length === 0 ? {} : { dependsOn: options.dependsOn }),
    ...(options.onDependencyFailure === undefined ? {} : { dependencyPolicy: options.onDependencyFailure }),
    ...(options.passResults === true ? { passDependencyResults: true } : {}),
    ...(options.notify === undefined ? {} : { notify: options.notify }),
    ...(options.worktree === undefined ? {} : { worktree: options.worktree }),
    ...(options.base === undefined ? {} : { base: options.base }),
    ...(options.setup === undefined ? {} : { setup: options.setup }),
  };
  if (options.timeout !== undefined) {
    input.timeoutMs = durationOption(options.timeout, '--timeout', '90s, 10m or 1h', { positive: true });
  }
  if (options.retries !== undefined) {
    input.maxRetries = wholeNumber(options.retries, '--retries');
  }
  return input;
}

function hasNotificationChannel(config: Config): boolean {
  return config.notify.desktop || config.notify.webhook !== undefined || config.notify.command !== undefined;
}

function parseEnvironment(pairs: string[]): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    if (index <= 0) throw new CliError(`--env "${pair}" is not KEY=VALUE`, EXIT.usage);
    environment[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return environment;
}
