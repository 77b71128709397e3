import * as z from 'zod';
import { isAbsolutePath } from './absolute-path.js';
import { lazySchema } from './lazy-schema.js';
import { PRIORITIES, type Priority } from './priority.js';
import { TASK_ID_PATTERN } from './task-id.js';
import { TaskWorktreeSchema, type WorktreeRequest } from './worktree.js';

export { isAbsolutePath };

/** Lifecycle states of a task. `completed`, `failed` and `cancelled` are terminal. */
export const TASK_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
/** A task's lifecycle state; see {@link TASK_STATUSES}. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** States a task never leaves on its own (a retry is an explicit request). */
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
/** A terminal state; see {@link TERMINAL_STATUSES}. */
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** True when a task in `status` has finished for good (until someone retries it). */
export function isTerminalStatus(status: TaskStatus): status is TerminalStatus {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Why a task did not complete. */
export const FAILURE_REASONS = [
  'exit_code',
  'timeout',
  'cancelled',
  'crashed',
  'dependency_failed',
  'spawn_error',
  'agent_error',
  'shutdown',
  'budget_exceeded',
  'setup_failed',
] as const;
/** Why a task did not complete; see {@link FAILURE_REASONS}. */
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** The programs Claudine can run a task with. */
export const AGENT_KINDS = ['claude', 'codex', 'command'] as const;
/** `claude` (Claude Code), `codex` (Codex CLI) or `command` (the prompt is a shell command). */
export type AgentKind = (typeof AGENT_KINDS)[number];

/** What a dependent does when one of its dependencies fails or is cancelled. */
export const DEPENDENCY_POLICIES = ['fail', 'cancel', 'run'] as const;
/** `fail` (default), `cancel`, or `run` anyway; see {@link DEPENDENCY_POLICIES}. */
export type DependencyPolicy = (typeof DEPENDENCY_POLICIES)[number];

/** Claude Code permission modes (`claude --permission-mode`). */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'auto', 'bypassPermissions', 'manual', 'dontAsk', 'plan'] as const;
/** A Claude Code permission mode; see {@link PERMISSION_MODES}. */
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** Claude Code effort levels (`claude --effort`). */
export const EFFORT_LEVELS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
/** A Claude Code effort level; see {@link EFFORT_LEVELS}. */
export type EffortLevel = (typeof EFFORT_LEVELS)[number];

/** Codex sandbox policies (`codex exec --sandbox`). */
export const CODEX_SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
/** A Codex sandbox policy; see {@link CODEX_SANDBOXES}. */
export type CodexSandbox = (typeof CODEX_SANDBOXES)[number];

/** Largest prompt accepted, in UTF-8 bytes. Agents take prompts on stdin, so this is generous. */
export const MAX_PROMPT_BYTES = 1024 * 1024;

const taskIdSchema = lazySchema(() => z.string().regex(TASK_ID_PATTERN, 'a task id is 10 characters of 0-9 and a-z (without i, l, o, u)'));

const environmentName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Options passed to the agent. Each agent reads the fields it understands; a field another
 * agent owns is refused at submission (see {@link validateAgentOptions}).
 */
export const AgentOptionsSchema = lazySchema(() =>
  z
    .object({
      model: z.string().min(1).max(200).optional().describe('Model name or alias (claude, codex).'),
      maxTurns: z.number().int().min(1).max(10_000).optional().describe('Most agent turns (claude).'),
      permissionMode: z.enum(PERMISSION_MODES).optional().describe('Claude Code permission mode (claude).'),
      allowedTools: z.array(z.string().min(1).max(500)).max(200).optional().describe('Tools allowed without asking (claude).'),
      disallowedTools: z.array(z.string().min(1).max(500)).max(200).optional().describe('Tools refused (claude).'),
      appendSystemPrompt: z.string().max(100_000).optional().describe('Text appended to the system prompt (claude).'),
      systemPrompt: z.string().max(100_000).optional().describe('System prompt replacing the default one (claude).'),
      addDirs: z.array(z.string().min(1).max(4096)).max(100).optional().describe('More directories the agent may access (claude).'),
      mcpConfig: z
        .array(z.string().min(1).max(100_000))
        .max(50)
        .optional()
        .describe('MCP server configurations: JSON files or JSON strings (claude).'),
      settings: z.string().min(1).max(100_000).optional().describe('A settings file or JSON string (claude).'),
      effort: z.enum(EFFORT_LEVELS).optional().describe('Effort level (claude).'),
      fallbackModel: z
        .string()
        .min(1)
        .max(500)
        .optional()
        .describe('Models to fall back to when the main one is busy, comma-separated (claude).'),
      sandbox: z.enum(CODEX_SANDBOXES).optional().describe('Sandbox policy for the commands the agent runs (codex).'),
      agentArgs: z
        .array(z.string().max(100_000))
        .max(200)
        .optional()
        .describe("More arguments for the agent's command line, passed as they are (claude, codex)."),
      resumeSessionId: z.string().min(1).max(200).optional().describe('Session to resume (claude).'),
      maxBudgetUsd: z.number().positive().max(100_000).optional().describe('Spending cap in USD (claude).'),
      env: z
        .record(z.string().regex(environmentName, 'environment variable names are letters, digits and _'), z.string().max(100_000))
        .optional()
        .describe('Extra environment variables for the agent process.'),
    })
    .strict(),
);
/** Options passed to the agent; see {@link AgentOptionsSchema}. */
export type AgentOptions = z.infer<typeof AgentOptionsSchema>;

const CLAUDE_ONLY_OPTIONS = [
  'maxTurns',
  'permissionMode',
  'allowedTools',
  'disallowedTools',
  'appendSystemPrompt',
  'systemPrompt',
  'addDirs',
  'mcpConfig',
  'settings',
  'effort',
  'fallbackModel',
  'resumeSessionId',
  'maxBudgetUsd',
] as const;

const CODEX_ONLY_OPTIONS = ['sandbox'] as const;

/**
 * Names the options in `options` that `agent` does not understand. Submitting them is an error
 * rather than silently ignored, so a typo in `--agent` does not run a task with lost settings.
 */
export function unsupportedAgentOptions(agent: AgentKind, options: AgentOptions): string[] {
  const present = Object.keys(options).filter((key) => options[key as keyof AgentOptions] !== undefined);
  if (agent === 'claude') return present.filter((key) => (CODEX_ONLY_OPTIONS as readonly string[]).includes(key));
  if (agent === 'codex') return present.filter((key) => (CLAUDE_ONLY_OPTIONS as readonly string[]).includes(key));
  return present.filter((key) => key !== 'env');
}

/** Token counts an agent reported. */
export const TokenUsageSchema = lazySchema(() =>
  z.object({
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cacheReadInputTokens: z.number().int().nonnegative(),
    cacheCreationInputTokens: z.number().int().nonnegative(),
  }),
);
/** Token counts an agent reported; see {@link TokenUsageSchema}. */
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/**
 * What the agent itself said about its run (from Claude's stream-json, Codex's JSON events, or
 * for a command nothing but the exit status). `transient` marks failures worth retrying (rate
 * limit, overload).
 */
export const AgentReportSchema = lazySchema(() =>
  z.object({
    sessionId: z.string().nullable(),
    resultText: z.string().nullable(),
    isError: z.boolean(),
    errorKind: z.string().nullable(),
    transient: z.boolean(),
    turns: z.number().int().nonnegative().nullable(),
    costUsd: z.number().nonnegative().nullable(),
    model: z.string().nullable(),
    usage: TokenUsageSchema.nullable(),
  }),
);
/** What the agent itself reported; see {@link AgentReportSchema}. */
export type AgentReport = z.infer<typeof AgentReportSchema>;

/**
 * A task as stored. Absent values are `null` (never missing keys) so JSON shapes are stable.
 * Times are milliseconds since the Unix epoch.
 */
export const TaskSchema = lazySchema(() =>
  z.object({
    id: taskIdSchema,
    /** Submission order, increasing; FIFO order within a priority. */
    seq: z.number().int().positive(),
    prompt: z.string(),
    agent: z.enum(AGENT_KINDS),
    agentOptions: AgentOptionsSchema,
    cwd: z.string(),
    priority: z.enum(PRIORITIES),
    timeoutMs: z.number().int().positive(),
    labels: z.array(z.string()),
    dependsOn: z.array(z.string()),
    /**
     * For a queued task, the dependencies it still waits for (derived, not stored): a queued task
     * with any is shown as blocked. Empty for a ready task and every other state.
     */
    blockedBy: z.array(z.string()),
    dependencyPolicy: z.enum(DEPENDENCY_POLICIES),
    passDependencyResults: z.boolean(),
    /**
     * Notifications for this task's end: true sends them whatever the event filter says, false
     * never does, null follows the configuration (`notify.*`).
     */
    notify: z.boolean().nullable(),
    status: z.enum(TASK_STATUSES),
    failureReason: z.enum(FAILURE_REASONS).nullable(),
    /** A human explanation of the current state: the cancel reason, the failed dependency, ... */
    statusDetail: z.string().nullable(),
    /** Number of times the task has been started (0 while it never ran). */
    attempt: z.number().int().nonnegative(),
    maxRetries: z.number().int().nonnegative(),
    /** A queued task is not started before this time (retry backoff). */
    notBefore: z.number().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    /** The host running the task, while it runs. */
    owner: z.string().nullable(),
    pid: z.number().int().nullable(),
    /** Identifies the process `pid` named when it was recorded, so a reused pid is never hit. */
    pidStartTime: z.string().nullable(),
    leaseExpiresAt: z.number().nullable(),
    cancelRequestedAt: z.number().nullable(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    report: AgentReportSchema.nullable(),
    /** When the timeout warning was given, if it was. */
    warnedAt: z.number().nullable(),
    outputTruncated: z.boolean(),
    /** The task's own git worktree, for a task submitted with one; null otherwise. */
    worktree: TaskWorktreeSchema.nullable(),
  }),
);
/** A task as stored; see {@link TaskSchema}. */
export type Task = z.infer<typeof TaskSchema>;

/**
 * What a client submits. Defaults that depend on configuration (timeout, retries) stay
 * undefined here and are filled in by the runtime.
 */
export const NewTaskInputSchema = lazySchema(() =>
  z.object({
    prompt: z
      .string()
      .refine((value) => value.trim().length > 0, 'the prompt is empty: say what the agent should do')
      .refine(
        (value) => utf8Length(value) <= MAX_PROMPT_BYTES,
        `the prompt is larger than ${MAX_PROMPT_BYTES} bytes: put the material in a file in the working directory and refer to it`,
      ),
    agent: z.enum(AGENT_KINDS).default('claude'),
    agentOptions: AgentOptionsSchema.default({}),
    cwd: z.string().min(1).refine(isAbsolutePath, 'the working directory must be an absolute path'),
    priority: z.enum(PRIORITIES).default('P1'),
    timeoutMs: z.number().int().positive().optional(),
    labels: z
      .array(
        z
          .string()
          .min(1)
          .max(100)
          .regex(/^[^\s,]+$/, 'labels have no spaces or commas'),
      )
      .max(50)
      .default([]),
    dependsOn: z.array(taskIdSchema).max(10_000).default([]),
    dependencyPolicy: z.enum(DEPENDENCY_POLICIES).default('fail'),
    passDependencyResults: z.boolean().default(false),
    maxRetries: z.number().int().min(0).max(100).optional(),
    /** True: notify of this task's end regardless of the event filter; false: never; omitted: the filter decides. */
    notify: z.boolean().optional(),
    /**
     * Run in a new git worktree of the repository containing `cwd`, on its own branch. Omitted:
     * the configuration decides (`worktree.default`).
     */
    worktree: z.boolean().optional(),
    /** With a worktree: the commit it starts from (a revision, or the id of a worktree task to stack on). Default `HEAD`. */
    base: z.string().min(1).max(1000).optional(),
    /** With a worktree: a shell command run in it before the agent starts (default `worktree.setup`). */
    setup: z.string().min(1).max(100_000).optional(),
  }),
);
/** A submission before defaults are applied; see {@link NewTaskInputSchema}. */
export type NewTaskInput = z.input<typeof NewTaskInputSchema>;
/** A submission with schema defaults applied. */
export type ParsedNewTask = z.output<typeof NewTaskInputSchema>;

/** A fully resolved new task, ready for {@link TaskStore.create}. */
export interface NewTask {
  readonly id: string;
  readonly prompt: string;
  readonly agent: AgentKind;
  readonly agentOptions: AgentOptions;
  readonly cwd: string;
  readonly priority: Priority;
  readonly timeoutMs: number;
  readonly labels: readonly string[];
  readonly dependsOn: readonly string[];
  readonly dependencyPolicy: DependencyPolicy;
  readonly passDependencyResults: boolean;
  readonly maxRetries: number;
  /** See {@link Task.notify}; absent means null. */
  readonly notify?: boolean | null;
  readonly createdAt: number;
  /**
   * The environment of the client that submitted it, which its processes start from (its
   * `agentOptions.env` goes on top). Stored apart from the task and never part of {@link Task},
   * so no read shows it. Absent for a task stored without one (then it gets a minimal one).
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** The worktree it runs in, resolved at submit; absent or null for a task without one. */
  readonly worktree?: NewTaskWorktree | null;
}

/** What a new task records of its worktree: the request, where it lives, its setup command, what it stacks on. */
export interface NewTaskWorktree {
  readonly request: WorktreeRequest;
  readonly path: string;
  readonly setup: string | null;
  /** See `TaskWorktree.stackedOn`; absent means null. */
  readonly stackedOn?: string | null;
}

function utf8Length(value: string): number {
  // Counting without TextEncoder keeps core free of platform globals beyond ECMAScript.
  let bytes = 0;
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index += 1;
    } else bytes += 3;
  }
  return bytes;
}
