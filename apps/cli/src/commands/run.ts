import { readFileSync } from 'node:fs';
import { AGENT_KINDS, type AgentOptions, DEPENDENCY_POLICIES, type NewTaskInput, PERMISSION_MODES, PRIORITIES } from '@claudine/core';
import { parseDuration } from '@claudine/runtime';
import { type Command, Option } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT, exitCodeForTask } from '../exit-codes.js';
import { displayStatus } from '../format-task.js';
import { createOutputPrinter } from '../output-printer.js';
import { paint } from '../terminal.js';

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
  wait?: boolean;
  raw?: boolean;
  json?: boolean;
}

/** `claudine run`: submit a task, optionally wait for it. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .summary('submit a task to a background agent')
    .description(
      'Submit a task. The prompt is what the agent should do (for --agent command, the shell command to run); "-" reads it from stdin. Prints the task id at once; --wait streams its output and exits with its exit code.',
    )
    .argument('<prompt...>', 'what the agent should do, or - to read it from stdin')
    .addOption(new Option('-a, --agent <agent>', 'agent that runs the task').choices(AGENT_KINDS))
    .option('-C, --cwd <dir>', 'working directory of the agent (default: the current directory)')
    .addOption(new Option('-p, --priority <priority>', 'P0 runs before P1, P1 before P2').choices(PRIORITIES))
    .option('-t, --timeout <duration>', 'stop the task after this long, e.g. 90s, 10m, 1h (default: 30m)')
    .option('-m, --model <model>', 'model for claude or codex')
    .option('--max-turns <n>', 'most agent turns (claude)')
    .addOption(new Option('--permission-mode <mode>', 'Claude Code permission mode (default: acceptEdits)').choices(PERMISSION_MODES))
    .option('--append-system-prompt <text>', 'text appended to the system prompt (claude)')
    .option('--max-budget-usd <usd>', 'most the task may spend, in USD, over all its attempts (claude)')
    .option('-l, --label <label>', 'a label to find the task by (repeatable)', collect, [])
    .option('-e, --env <KEY=VALUE>', 'an extra environment variable for the agent (repeatable)', collect, [])
    .option('--retries <n>', 'retries of transient failures such as rate limits (default: 2)')
    .option('-d, --depends-on <id>', 'start only after this task completed (repeatable, or comma-separated)', collectIds, [])
    .addOption(
      new Option(
        '--on-dependency-failure <policy>',
        'if a dependency fails: fail this task too (default), cancel it, or run it anyway',
      ).choices(DEPENDENCY_POLICIES),
    )
    .option('--pass-results', "give the agent its dependencies' final results (in the prompt, and as JSON in $CLAUDINE_DEPENDENCY_RESULTS)")
    .option('-w, --wait', 'wait for the task, streaming its output, and exit with its exit code')
    .option('--raw', "with --wait, show claude's raw stream-json instead of a transcript")
    .option('--json', 'print the new task as JSON (with --wait: the finished task)')
    .addHelpText(
      'after',
      `
Examples:
  $ claudine run "Add input validation to src/api/users.ts and tests for it"
  $ claudine run --agent command --wait "pnpm test"
  $ claudine run -p P0 -t 45m --model opus "Fix the flaky test in test/sync.test.ts"
  $ claudine run - < task.md
  $ claudine run -a command -d 3k9x2m4qab "pnpm test"      # after task 3k9x2m4qab completed
  $ claudine run -d 3k9x2m4qab -d 7hq2w0v9xe --pass-results "Review both changes"`,
    )
    .action(async (promptParts: string[], options: RunOptions, command: Command) => {
      await withClaudine(command, async (claudine, terminal) => {
        const input = buildInput(promptParts, options);
        const { task, hostError } = await claudine.submit(input);
        if (hostError !== null) process.stderr.write(`claudine: task ${task.id} is queued, but no host could start: ${hostError}\n`);
        if (options.wait !== true) {
          if (options.json === true) printJson({ id: task.id, status: task.status, task });
          else process.stdout.write(`${task.id}\n`);
          return;
        }
        if (options.json !== true && terminal.interactive) {
          process.stderr.write(`${paint(terminal, 'dim', `task ${task.id} submitted; waiting (Ctrl-C stops waiting, not the task)`)}\n`);
        }
        const printer = createOutputPrinter({ terminal, transcript: task.agent === 'claude' && options.raw !== true });
        const controller = new AbortController();
        const onInterrupt = (): void => controller.abort();
        process.once('SIGINT', onInterrupt);
        try {
          const finished =
            options.json === true
              ? await claudine.waitForTask(task.id, { signal: controller.signal })
              : await claudine.followOutput(task.id, (records) => printer.print(records), {
                  signal: controller.signal,
                  onDamage: (damage) => printer.damage(damage),
                });
          printer.flush();
          if (controller.signal.aborted) {
            process.stderr.write(
              `claudine: stopped waiting; task ${task.id} is ${displayStatus(finished)}. Follow it with: claudine logs -f ${task.id}\n`,
            );
            process.exitCode = EXIT.cancelled;
            return;
          }
          if (options.json === true) printJson(finished);
          else if (finished.status !== 'completed') {
            process.stderr.write(
              `claudine: task ${task.id} ${finished.status}${finished.statusDetail === null ? '' : `: ${finished.statusDetail}`}\n`,
            );
          }
          process.exitCode = exitCodeForTask(finished);
        } finally {
          process.off('SIGINT', onInterrupt);
        }
      });
    });
}

function buildInput(promptParts: string[], options: RunOptions): NewTaskInput {
  const prompt = promptParts.length === 1 && promptParts[0] === '-' ? readFileSync(0, 'utf8') : promptParts.join(' ');
  const agentOptions: AgentOptions = {};
  if (options.model !== undefined) agentOptions.model = options.model;
  if (options.maxTurns !== undefined) agentOptions.maxTurns = positiveInteger(options.maxTurns, '--max-turns');
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
    cwd: options.cwd ?? process.cwd(),
    agentOptions,
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.label === undefined || options.label.length === 0 ? {} : { labels: options.label }),
    ...(options.dependsOn === undefined || options.dependsOn.length === 0 ? {} : { dependsOn: options.dependsOn }),
    ...(options.onDependencyFailure === undefined ? {} : { dependencyPolicy: options.onDependencyFailure }),
    ...(options.passResults === true ? { passDependencyResults: true } : {}),
  };
  if (options.timeout !== undefined) {
    const timeoutMs = parseDuration(options.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) {
      throw new CliError(`--timeout "${options.timeout}" is not a duration: use e.g. 90s, 10m or 1h`, EXIT.usage);
    }
    input.timeoutMs = timeoutMs;
  }
  if (options.retries !== undefined) {
    const retries = Number(options.retries);
    if (!Number.isInteger(retries) || retries < 0) throw new CliError('--retries takes a whole number, 0 or more', EXIT.usage);
    input.maxRetries = retries;
  }
  return input;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectIds(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  ];
}

function positiveInteger(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new CliError(`${flag} takes a whole number, 1 or more`, EXIT.usage);
  return number;
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
