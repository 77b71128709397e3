import { readFileSync } from 'node:fs';
import { type AgentOptions, type NewTaskInput, PRIORITIES } from '@claudine/core';
import { type Command, Option } from 'commander';
import { CliError, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { durationOption, wholeNumber } from '../parse-options.js';
import { reportSubmitted } from '../task-waiter.js';

interface ResumeOptions {
  priority?: (typeof PRIORITIES)[number];
  timeout?: string;
  model?: string;
  maxTurns?: string;
  maxBudgetUsd?: string;
  wait?: boolean;
  follow?: boolean;
  raw?: boolean;
  json?: boolean;
}

/** `claudine resume <id> <instructions...>`: continue a claude task's session. */
export function registerResume(program: Command): void {
  const resume = program
    .command('resume')
    .summary("continue a claude task's conversation with new instructions")
    .description(
      "Submits a new claude task that resumes the session of an earlier one (claude --resume), so the agent keeps everything it learnt. It runs in the same working directory with the same options (model, permission mode, labels, ...) unless given here. The earlier task must have run long enough to report a session. Prints the new task's id; --wait streams it like run --wait.",
    )
    .argument('<id>', 'the claude task to continue')
    .argument('<instructions...>', 'what the agent should do next, or - to read it from stdin')
    .addOption(new Option('-p, --priority <priority>', 'priority of the new task (default: the earlier one)').choices(PRIORITIES))
    .option('-t, --timeout <duration>', 'timeout of the new task, e.g. 10m (default: the earlier one)')
    .option('-m, --model <model>', 'model (default: the earlier one)')
    .option('--max-turns <n>', 'most agent turns')
    .option('--max-budget-usd <usd>', 'most the new task may spend, in USD')
    .option('-w, --wait', "wait for the new task, streaming its output, and exit with the task's exit code")
    .option('-f, --follow', 'the same as --wait')
    .option('--raw', "with --wait, show claude's raw stream-json instead of a transcript")
    .option('--json', 'print JSON: { id, status, task } (with --wait: the finished task)');
  withExamples(resume, [
    'claudine resume 3k9x2m4qab "Now add tests for the edge cases you found"',
    'claudine resume --wait 3k9x2m4qab "Run the linter and fix what it reports"',
    'claudine resume -m opus 3k9x2m4qab - < review-comments.md',
  ]).action(async (id: string, parts: string[], options: ResumeOptions, command: Command) => {
    const instructions = parts.length === 1 && parts[0] === '-' ? readFileSync(0, 'utf8') : parts.join(' ');
    if (instructions.trim() === '') {
      throw new CliError('the instructions are empty: say what the agent should do next', EXIT.usage);
    }
    const overrides = resumeOverrides(options);
    await withClaudine(command, async (claudine, terminal) => {
      const code = await reportSubmitted(claudine, terminal, await claudine.resume(id, instructions, overrides), options);
      if (code !== undefined) process.exitCode = code;
    });
  });
}

function resumeOverrides(options: ResumeOptions): Partial<NewTaskInput> {
  const agentOptions: AgentOptions = {};
  if (options.model !== undefined) agentOptions.model = options.model;
  if (options.maxTurns !== undefined) agentOptions.maxTurns = wholeNumber(options.maxTurns, '--max-turns', 1);
  if (options.maxBudgetUsd !== undefined) {
    const budget = Number(options.maxBudgetUsd);
    if (!(budget > 0)) throw new CliError('--max-budget-usd takes an amount in USD above 0, e.g. 2.50', EXIT.usage);
    agentOptions.maxBudgetUsd = budget;
  }
  const overrides: Partial<NewTaskInput> = { agentOptions };
  if (options.priority !== undefined) overrides.priority = options.priority;
  if (options.timeout !== undefined) {
    overrides.timeoutMs = durationOption(options.timeout, '--timeout', '90s, 10m or 1h', { positive: true });
  }
  return overrides;
}
