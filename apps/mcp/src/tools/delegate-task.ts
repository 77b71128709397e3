import { resolve } from 'node:path';
import {
  AGENT_KINDS,
  DEPENDENCY_POLICIES,
  type NewTaskInput,
  PERMISSION_MODES,
  PRIORITIES,
  TASK_STATUSES,
  type Task,
} from '@claudine/core';
import { type Claudine, formatDuration } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { SessionDirectory } from '../session-directory.js';
import { taskLogLink } from '../task-log-resource.js';
import { summarizeTask, TaskSummarySchema } from '../task-summary.js';
import { guard, toolResult } from '../tool-result.js';
import { agentOptionsOf, hostWarning } from './submission.js';

/** The input schema, whose texts give this server's settings and directory. */
function inputSchemaOf(claudine: Claudine, directory: SessionDirectory) {
  const { default: defaultMs, max: maxMs } = claudine.config.timeout;
  return {
    prompt: z
      .string()
      .describe(
        'What the agent should do, written as a complete, self-contained task: the agent sees nothing of this conversation. For agent "command", the shell command to run.',
      ),
    cwd: z
      .string()
      .optional()
      .describe(
        `Directory the agent works in: an absolute path, or one relative to the project. Defaults to the project: the first directory among the roots this client shares (roots/list, as Claude Code does); a client that shares none gets the directory this server was started in (${directory.fallback}).`,
      ),
    agent: z.enum(AGENT_KINDS).optional().describe('"claude" (default): Claude Code; "codex": Codex CLI; "command": a shell command.'),
    priority: z.enum(PRIORITIES).optional().describe('P0 runs before P1 (default) before P2.'),
    timeoutSeconds: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        `Stop the task after this many seconds (default ${seconds(defaultMs)}, at most ${seconds(maxMs)}: ${formatDuration(defaultMs)} and ${formatDuration(maxMs)}, this server's timeout.default and timeout.max).`,
      ),
    model: z.string().optional().describe('Model for claude or codex, e.g. "sonnet" or "opus".'),
    maxTurns: z.number().int().positive().optional().describe('Most agent turns (claude).'),
    permissionMode: z
      .enum(PERMISSION_MODES)
      .optional()
      .describe('Claude Code permission mode (default acceptEdits: may edit files in cwd).'),
    appendSystemPrompt: z.string().optional().describe('Extra system prompt text (claude).'),
    maxBudgetUsd: z.number().positive().optional().describe('Most the task may spend, in USD, over all its attempts (claude).'),
    labels: z.array(z.string()).optional().describe('Labels to find the task by later.'),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe(
        'Times the task is run again after a transient failure (rate limit, overload) or a crash of its host: crashes count as retries too, and a claude or codex task then continues its own session. Default 2; 0 never retries (the setting retry.onCrash false stops retries after crashes only).',
      ),
    dependsOn: z
      .array(z.string())
      .max(10_000)
      .optional()
      .describe('Ids of tasks that must complete before this one starts (a workflow: build, then test, then review).'),
    dependencyPolicy: z
      .enum(DEPENDENCY_POLICIES)
      .optional()
      .describe('If a dependency fails or is cancelled: "fail" this task too (default), "cancel" it, or "run" it anyway.'),
    passDependencyResults: z
      .boolean()
      .optional()
      .describe("Append the dependencies' final results (agent answers, or a command's output tail) to this task's prompt when it starts."),
    notify: z
      .boolean()
      .optional()
      .describe(
        "true: notify of this task's end (desktop, webhook, command hook: whichever the user configured) whatever the event filter says; false: never. Omit it to let the user's notify.events decide.",
      ),
    worktree: z
      .boolean()
      .optional()
      .describe(
        "true: run in a new git worktree of the repository containing cwd, on its own branch claudine/<id>, so several agents can change one repository at once without touching your checkout; review with TaskDiff, land with MergeTask. false: run in cwd itself. Omitted: the user's worktree.default decides (off unless set).",
      ),
    base: z
      .string()
      .min(1)
      .optional()
      .describe(
        'With worktree: the commit to start from (a branch, tag or commit id), or the id of a worktree task to stack on (it becomes a dependency). Default: HEAD of the repository now.',
      ),
    setup: z
      .string()
      .min(1)
      .optional()
      .describe(
        'With worktree: a shell command run in the new worktree before the agent starts (e.g. "pnpm install --frozen-lockfile"). Default: the user\'s worktree.setup.',
      ),
  };
}

// Settings are milliseconds; the tool takes seconds.
function seconds(milliseconds: number): string {
  return String(Math.round(milliseconds / 10) / 100);
}

const outputSchema = {
  taskId: z.string(),
  status: z.enum(TASK_STATUSES),
  hostStarted: z.boolean().describe('True when this call started the background host.'),
  warnings: z.array(z.string()).describe('What you should know about the submission (uncommitted changes the worktree task will not see).'),
  task: TaskSummarySchema,
};

/** Registers `DelegateTask`; `onSubmitted` hears of each new task (to notify the session when it ends). */
export function registerDelegateTask(
  server: McpServer,
  claudine: Claudine,
  directory: SessionDirectory,
  onSubmitted: (task: Task) => void,
): void {
  server.registerTool(
    'DelegateTask',
    {
      title: 'Delegate a task to a background agent',
      description:
        'Hand a task to a background agent (Claude Code by default, Codex, or a shell command) and return at once with its id, so you can keep working. The task is stored durably and runs even after this session ends; you get a log notification when it finishes. Use it for work that can proceed independently: implementing a well-specified change, running a long test suite, investigating a bug. Write the prompt as a full brief: the agent sees nothing of this conversation. Then WaitForTasks when you need the outcome, TaskStatus to check on it, TaskLogs to read its output, CancelTask to stop it. For a workflow, pass the ids of earlier tasks in dependsOn: this task starts only after they complete. Without cwd the task runs in your project: the first of the roots you share, or the directory this server was started in when you share none.',
      inputSchema: inputSchemaOf(claudine, directory),
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (args, call) =>
      guard(async () => {
        const project = await directory.resolve(call);
        const input: NewTaskInput = {
          prompt: args.prompt,
          cwd: args.cwd === undefined ? project : resolve(project, args.cwd),
          agentOptions: agentOptionsOf(args),
          ...(args.agent === undefined ? {} : { agent: args.agent }),
          ...(args.priority === undefined ? {} : { priority: args.priority }),
          ...(args.timeoutSeconds === undefined ? {} : { timeoutMs: args.timeoutSeconds * 1000 }),
          ...(args.labels === undefined ? {} : { labels: args.labels }),
          ...(args.maxRetries === undefined ? {} : { maxRetries: args.maxRetries }),
          ...(args.dependsOn === undefined ? {} : { dependsOn: args.dependsOn }),
          ...(args.dependencyPolicy === undefined ? {} : { dependencyPolicy: args.dependencyPolicy }),
          ...(args.passDependencyResults === undefined ? {} : { passDependencyResults: args.passDependencyResults }),
          ...(args.notify === undefined ? {} : { notify: args.notify }),
          ...(args.worktree === undefined ? {} : { worktree: args.worktree }),
          ...(args.base === undefined ? {} : { base: args.base }),
          ...(args.setup === undefined ? {} : { setup: args.setup }),
        };
        const { task, hostStarted, hostError, warnings } = await claudine.submit(input);
        onSubmitted(task);
        const warning = hostWarning(hostError);
        const waiting = task.blockedBy.length > 0 ? ` It waits for ${task.blockedBy.join(', ')}.` : '';
        const ended = task.status === 'queued' ? '' : ` ${task.statusDetail ?? ''}.`;
        const isolated =
          task.worktree === null
            ? ''
            : ` It runs in its own worktree on branch ${task.worktree.request.branch} (TaskDiff, then MergeTask).`;
        const warned = warnings.map((text) => ` Warning: ${text}`).join('');
        return toolResult(
          { taskId: task.id, status: task.status, hostStarted, warnings: [...warnings], task: summarizeTask(task) },
          `Task ${task.id} is ${task.status} (${task.agent}, ${task.priority}) in ${task.cwd}.${isolated}${waiting}${ended}${warning}${warned} Check it with TaskStatus {"taskId": "${task.id}"}.`,
          [taskLogLink(task)],
        );
      }),
  );
}
