import { readFileSync } from 'node:fs';
import {
  AGENT_KINDS,
  CODEX_SANDBOXES,
  DEPENDENCY_POLICIES,
  EFFORT_LEVELS,
  isClaudineError,
  type NewTaskInput,
  PERMISSION_MODES,
  PRIORITIES,
} from '@claudine/core';
import { type Config, type SubmitRequest, toNewTaskInput } from '@claudine/runtime';
import { type Command, Option } from 'commander';
import { readBatchLines } from '../batch-lines.js';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { BatchSubmittedJson } from '../json-shapes.js';
import { collect, collectList } from '../parse-options.js';
import { writeStdout } from '../stream-writer.js';
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
  systemPrompt?: string;
  maxBudgetUsd?: string;
  allowedTools?: string[];
  disallowedTools?: string[];
  addDir?: string[];
  mcpConfig?: string[];
  settings?: string;
  effort?: (typeof EFFORT_LEVELS)[number];
  fallbackModel?: string;
  sandbox?: (typeof CODEX_SANDBOXES)[number];
  agentArg?: string[];
  batch?: string;
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
    .argument('[prompt...]', 'what the agent should do, or - to read it from stdin')
    .option(
      '--batch <file>',
      'submit the tasks of a JSON-lines file (- for stdin) at once, all or none: one task per line with the fields of MCP DelegateTask and an optional "name" that other lines may give in dependsOn; the flags given are defaults for every line. Prints the ids in input order',
    )
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
    .option('--system-prompt <text>', 'a system prompt replacing the default one (claude)')
    .option('--max-budget-usd <usd>', 'most the task may spend, in USD, over all its attempts (claude)')
    .option(
      '--allowed-tools <tools>',
      'tools the agent may use without asking, e.g. "Bash(pnpm test:*)" (claude; repeatable, or comma-separated; added to agents.claude.allowedTools)',
      collectList,
      [],
    )
    .option('--disallowed-tools <tools>', 'tools the agent may not use (claude; repeatable, or comma-separated)', collectList, [])
    .option('--add-dir <dir>', 'another directory the agent may access (claude; repeatable)', collect, [])
    .option('--mcp-config <file-or-json>', 'MCP servers to load: a JSON file or string (claude; repeatable)', collect, [])
    .option('--settings <file-or-json>', 'a Claude Code settings file or JSON string (claude)')
    .addOption(new Option('--effort <level>', 'effort level (claude)').choices(EFFORT_LEVELS))
    .option('--fallback-model <models>', 'models to fall back to when the main one is busy, comma-separated (claude)')
    .addOption(new Option('--sandbox <policy>', 'sandbox of the commands the agent runs (codex)').choices(CODEX_SANDBOXES))
    .option(
      '--agent-arg <arg>',
      "another argument for the agent's command line, passed as it is (claude, codex; repeatable: --agent-arg=--verbose)",
      collect,
      [],
    )
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
    if (options.batch !== undefined) {
      if (promptParts.length > 0) throw new CliError('--batch takes its prompts from the batch: give no prompt with it', EXIT.usage);
      if (options.wait === true || options.follow === true) {
        throw new CliError('--wait follows one task: pipe the batch into `claudine wait -` (it prints the ids)', EXIT.usage);
      }
      await submitBatch(options.batch, options, command);
      return;
    }
    if (promptParts.length === 0) throw new CliError('say what the agent should do: claudine run "..." (or --batch FILE)', EXIT.usage);
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

async function submitBatch(source: string, options: RunOptions, command: Command): Promise<void> {
  await withClaudine(command, async (claudine) => {
    const { prompt: _prompt, ...defaults } = requestOf('', options);
    // The flags are checked as flags first; a line's own fields are then named by line.
    try {
      toNewTaskInput({ ...defaults, prompt: 'a' }, { directory: process.cwd() });
    } catch (error) {
      throw asFlagError(error);
    }
    const tasks = await readBatchLines(source, { directory: process.cwd(), defaults: definedFields(defaults) });
    const submitted = await claudine.submitMany(tasks);
    if (options.json === true) {
      await printJson(BatchSubmittedJson, {
        tasks: submitted.map((task, index) => ({ name: tasks[index]?.name ?? null, id: task.id, status: task.status })),
      });
    } else {
      await writeStdout(submitted.map((task) => `${task.id}\n`).join(''));
    }
  });
}

function buildInput(promptParts: string[], options: RunOptions): NewTaskInput {
  const prompt = promptParts.length === 1 && promptParts[0] === '-' ? readFileSync(0, 'utf8') : promptParts.join(' ');
  const request = requestOf(prompt, options);
  try {
    return toNewTaskInput(request, { directory: process.cwd() });
  } catch (error) {
    throw asFlagError(error);
  }
}

// The fields the flags gave (an empty list is none), so a batch line's own are not overwritten.
function definedFields(request: Partial<SubmitRequest>): Partial<SubmitRequest> {
  return Object.fromEntries(
    Object.entries(request).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0)),
  ) as Partial<SubmitRequest>;
}

function requestOf(prompt: string, options: RunOptions): SubmitRequest {
  return {
    prompt,
    agent: options.agent,
    cwd: options.cwd,
    priority: options.priority,
    timeout: options.timeout,
    labels: options.label,
    env: options.env === undefined || options.env.length === 0 ? undefined : parseEnvironment(options.env),
    retries: options.retries,
    dependsOn: options.dependsOn,
    dependencyPolicy: options.onDependencyFailure,
    passResults: options.passResults === true ? true : undefined,
    notify: options.notify,
    worktree: options.worktree,
    base: options.base,
    setup: options.setup,
    model: options.model,
    maxTurns: options.maxTurns,
    permissionMode: options.permissionMode,
    allowedTools: options.allowedTools,
    disallowedTools: options.disallowedTools,
    addDirs: options.addDir,
    mcpConfig: options.mcpConfig,
    settings: options.settings,
    effort: options.effort,
    fallbackModel: options.fallbackModel,
    systemPrompt: options.systemPrompt,
    appendSystemPrompt: options.appendSystemPrompt,
    maxBudgetUsd: options.maxBudgetUsd,
    sandbox: options.sandbox,
    agentArgs: options.agentArg,
  };
}
function hasNotificationChannel(config: Config): boolean {
  return config.notify.desktop || config.notify.webhook !== undefined || config.notify.command !== undefined;
}

// The request names its fields as a batch line does; the command line knows them as flags.
const FLAGS: Readonly<Record<string, string>> = {
  timeout: '--timeout',
  retries: '--retries',
  maxTurns: '--max-turns',
  maxBudgetUsd: '--max-budget-usd',
};

function asFlagError(error: unknown): unknown {
  if (!isClaudineError(error) || typeof error.details.field !== 'string') return error;
  const flag = FLAGS[error.details.field];
  if (flag === undefined) return error;
  return new CliError(error.message.replace(error.details.field, flag), EXIT.usage);
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
