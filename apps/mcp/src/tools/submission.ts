import { TASK_ID_PATTERN, type Task } from '@claudine/core';
import { type Claudine, formatDuration, SubmitRequestShape } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import type { SessionDirectory } from '../session-directory.js';

// The request's CLI spellings of fields MCP names otherwise (timeoutSeconds, maxRetries,
// passDependencyResults): one name per field in a tool's schema.
const { timeout: _timeout, retries: _retries, passResults: _passResults, ...requestFields } = SubmitRequestShape;

/**
 * The fields of one task as DelegateTask and DelegateWorkflow take them: the runtime's submit
 * request, with texts that give this server's settings and directory.
 */
export function taskFieldsOf(claudine: Claudine, directory: SessionDirectory) {
  const { default: defaultMs, max: maxMs } = claudine.config.timeout;
  return {
    ...requestFields,
    prompt: requestFields.prompt.describe(
      'What the agent should do, written as a complete, self-contained task: the agent sees nothing of this conversation. For agent "command", the shell command to run.',
    ),
    cwd: requestFields.cwd.describe(
      `Directory the agent works in: an absolute path, or one relative to the project. Defaults to the project: the first directory among the roots this client shares (roots/list, as Claude Code does); a client that shares none gets the directory this server was started in (${directory.fallback}).`,
    ),
    timeoutSeconds: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        `Stop the task after this many seconds (default ${seconds(defaultMs)}, at most ${seconds(maxMs)}: ${formatDuration(defaultMs)} and ${formatDuration(maxMs)}, this server's timeout.default and timeout.max).`,
      ),
    maxTurns: z.number().int().positive().optional().describe('Most agent turns (claude).'),
    maxBudgetUsd: z.number().positive().optional().describe('Most the task may spend, in USD, over all its attempts (claude).'),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe(
        'Times the task is run again after a transient failure (rate limit, overload) or a crash of its host: crashes count as retries too, and a claude or codex task then continues its own session. Default 2; 0 never retries (the setting retry.onCrash false stops retries after crashes only).',
      ),
    passDependencyResults: requestFields.passDependencyResults.describe(
      "Append the dependencies' final results (agent answers, or a command's output tail) to this task's prompt when it starts.",
    ),
    allowedTools: requestFields.allowedTools.describe(
      'Tools the agent may use without asking, e.g. ["Bash(pnpm test:*)", "Read"] (claude). Without it, a claude task in the default acceptEdits mode cannot run commands. Added to the configured agents.claude.allowedTools.',
    ),
    dependsOn: z
      .array(z.string().regex(TASK_ID_PATTERN, 'a task id is 10 characters of 0-9 and a-z'))
      .max(10_000)
      .optional()
      .describe('Ids of tasks that must complete before this one starts (a workflow: build, then test, then review).'),
  };
}

// Settings are milliseconds; the tool takes seconds.
function seconds(milliseconds: number): string {
  return String(Math.round(milliseconds / 10) / 100);
}

/** What a tool adds to its answer when the task is stored but no host could start to run it. */
export function hostWarning(hostError: string | null): string {
  return hostError === null ? '' : ` Warning: no host could start (${hostError}); the task waits until one does.`;
}

/**
 * Registers a tool that submits tasks in the session's project; `onSubmitted` hears of each new
 * task (to notify the session when it ends).
 */
export type RegisterSubmittingTool = (
  server: McpServer,
  claudine: Claudine,
  directory: SessionDirectory,
  onSubmitted: (task: Task) => void,
) => void;
