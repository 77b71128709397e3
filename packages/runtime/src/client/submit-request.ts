// The one submit request: what the CLI's `run` flags, MCP's DelegateTask, a batch line and a
// DelegateWorkflow task all say, turned into a NewTaskInput in one place so they cannot drift.
import { isAbsolute, resolve } from 'node:path';
import {
  AGENT_KINDS,
  type AgentOptions,
  ClaudineError,
  CODEX_SANDBOXES,
  DEPENDENCY_POLICIES,
  EFFORT_LEVELS,
  isClaudineError,
  lazySchema,
  type NewTaskInput,
  PERMISSION_MODES,
  PRIORITIES,
} from '@claudine/core';
import * as z from 'zod';
import { lacksDurationUnit, parseDuration } from '../units.js';
import type { BatchTaskInput } from './submit-batch.js';

/**
 * The fields of a submit request, each a zod schema with a description (the MCP tools show
 * them). Field names are MCP DelegateTask's; the CLI-shaped spellings (`timeout`, `retries`,
 * `passResults`) are accepted too, so a DelegateTask call and a `run` line read the same.
 */
export const SubmitRequestShape = lazySchema(() => {
  // Numbers may come as text (command-line flags) or as JSON numbers.
  const numberOrText = z.union([z.number(), z.string()]);
  const textItems = z.array(z.string());
  return {
    prompt: z.string().describe('What the agent should do; for agent "command", the shell command to run.'),
    agent: z.enum(AGENT_KINDS).optional().describe('"claude" (default): Claude Code; "codex": Codex CLI; "command": a shell command.'),
    cwd: z.string().optional().describe("Working directory of the agent, absolute or relative to the submitter's directory."),
    priority: z.enum(PRIORITIES).optional().describe('P0 runs before P1 (default) before P2.'),
    timeout: numberOrText.optional().describe('Stop the task after this long: a duration such as "90s", "10m", "1h", or milliseconds.'),
    timeoutSeconds: z.number().positive().optional().describe('Stop the task after this many seconds (the same as timeout).'),
    labels: textItems.optional().describe('Labels to find the task by later.'),
    env: z.record(z.string(), z.string()).optional().describe('Extra environment variables for the agent, e.g. {"CI": "1"}.'),
    retries: numberOrText.optional().describe('Times the task is run again after a transient failure or a crash of its host.'),
    maxRetries: z.number().optional().describe('The same as retries.'),
    dependsOn: textItems.optional().describe('Ids of tasks that must complete before this one starts.'),
    dependencyPolicy: z
      .enum(DEPENDENCY_POLICIES)
      .optional()
      .describe('If a dependency fails or is cancelled: "fail" this task too (default), "cancel" it, or "run" it anyway.'),
    passResults: z.boolean().optional().describe("Give the agent its dependencies' final results (in the prompt, and as JSON)."),
    passDependencyResults: z.boolean().optional().describe('The same as passResults.'),
    notify: z
      .boolean()
      .optional()
      .describe("true: notify of this task's end whatever notify.events says; false: never; omitted: notify.events decides."),
    worktree: z
      .boolean()
      .optional()
      .describe(
        'true: run in a new git worktree of the repository containing cwd, on its own branch claudine/<id> (review with TaskDiff, land with MergeTask); false: in cwd itself; omitted: worktree.default decides.',
      ),
    base: z
      .string()
      .optional()
      .describe(
        'With worktree: the commit to start from (a branch, tag or commit id), or a worktree task id to stack on. Default: HEAD now.',
      ),
    setup: z
      .string()
      .optional()
      .describe('With worktree: a shell command run in the new worktree before the agent (default worktree.setup).'),
    model: z.string().optional().describe('Model for claude or codex, e.g. "sonnet" or "opus".'),
    maxTurns: numberOrText.optional().describe('Most agent turns (claude).'),
    permissionMode: z
      .enum(PERMISSION_MODES)
      .optional()
      .describe('Claude Code permission mode (default acceptEdits: may edit files in cwd).'),
    allowedTools: textItems.optional().describe('Tools the agent may use without asking, e.g. ["Bash(pnpm test:*)", "Read"] (claude).'),
    disallowedTools: textItems.optional().describe('Tools the agent may not use (claude).'),
    addDirs: textItems.optional().describe('More directories the agent may access (claude).'),
    mcpConfig: textItems.optional().describe('MCP server configurations to load: JSON files or JSON strings (claude).'),
    settings: z.string().optional().describe('A Claude Code settings file or JSON string (claude).'),
    effort: z.enum(EFFORT_LEVELS).optional().describe('Effort level (claude).'),
    fallbackModel: z.string().optional().describe('Models to fall back to when the main one is busy, comma-separated (claude).'),
    systemPrompt: z.string().optional().describe('System prompt replacing the default one (claude).'),
    appendSystemPrompt: z.string().optional().describe('Text appended to the system prompt (claude).'),
    maxBudgetUsd: numberOrText.optional().describe('Most the task may spend, in USD, over all its attempts (claude).'),
    sandbox: z.enum(CODEX_SANDBOXES).optional().describe('Sandbox policy of the commands the agent runs (codex).'),
    agentArgs: textItems.optional().describe("More arguments for the agent's command line, passed as they are (claude, codex)."),
  };
});

/** The submit request: see {@link SubmitRequestShape}. Unknown fields are refused (a typo must not drop a setting). */
export const SubmitRequestSchema = lazySchema(() => z.object({ ...SubmitRequestShape }).strict());
/** A submit request as a client gives it. */
export type SubmitRequest = z.input<typeof SubmitRequestSchema>;

/** Where a request's relative paths start from. */
export interface SubmitRequestContext {
  /** The directory a relative (or missing) cwd is resolved against: the CLI's, or the MCP project. */
  readonly directory: string;
}

// Fields given under either of two names; both at once is refused.
const SPELLINGS = [
  ['timeout', 'timeoutSeconds'],
  ['retries', 'maxRetries'],
  ['passResults', 'passDependencyResults'],
] as const;

/**
 * Validates `value` as a submit request (throws `invalid_input` naming the field, with
 * `details.field`).
 */
export function parseSubmitRequest(value: unknown): SubmitRequest {
  const parsed = SubmitRequestSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  if (issue?.code === 'unrecognized_keys') {
    const keys = issue.keys;
    throw fieldError(keys[0] ?? '', `${keys.join(', ')}: not a task field (fields: ${Object.keys(SubmitRequestShape).join(', ')})`);
  }
  throw fieldError(field === '' ? 'task' : field, `${field === '' ? 'task' : field}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Turns a submit request into the task input the client stores. Throws `invalid_input` naming
 * the field (`details.field`) for a value no agent can take: a duration without a unit, a
 * number that is not whole, a field given under both its names. What depends on the
 * configuration (defaults, the longest timeout) is checked when the task is prepared.
 */
export function toNewTaskInput(request: SubmitRequest, context: SubmitRequestContext): NewTaskInput {
  for (const [one, other] of SPELLINGS) {
    if (request[one] !== undefined && request[other] !== undefined) {
      throw fieldError(other, `${one} and ${other} are the same setting: give one of them`);
    }
  }
  const agentOptions: AgentOptions = {};
  const set = <K extends keyof AgentOptions>(key: K, value: AgentOptions[K] | undefined): void => {
    if (value !== undefined) agentOptions[key] = value;
  };
  set('model', request.model);
  set('maxTurns', request.maxTurns === undefined ? undefined : wholeNumber(request.maxTurns, 'maxTurns', 1));
  set('permissionMode', request.permissionMode);
  set('allowedTools', nonEmpty(request.allowedTools));
  set('disallowedTools', nonEmpty(request.disallowedTools));
  set('addDirs', nonEmpty(request.addDirs));
  set('mcpConfig', nonEmpty(request.mcpConfig));
  set('settings', request.settings);
  set('effort', request.effort);
  set('fallbackModel', request.fallbackModel);
  set('systemPrompt', request.systemPrompt);
  set('appendSystemPrompt', request.appendSystemPrompt);
  set('maxBudgetUsd', request.maxBudgetUsd === undefined ? undefined : amount(request.maxBudgetUsd, 'maxBudgetUsd'));
  set('sandbox', request.sandbox);
  set('agentArgs', nonEmpty(request.agentArgs));
  if (request.env !== undefined && Object.keys(request.env).length > 0) agentOptions.env = request.env;

  const input: NewTaskInput = {
    prompt: request.prompt,
    cwd:
      request.cwd === undefined
        ? resolve(context.directory)
        : isAbsolute(request.cwd)
          ? request.cwd
          : resolve(context.directory, request.cwd),
    agentOptions,
  };
  if (request.agent !== undefined) input.agent = request.agent;
  if (request.priority !== undefined) input.priority = request.priority;
  const timeoutMs = request.timeoutSeconds !== undefined ? Math.round(request.timeoutSeconds * 1000) : request.timeout;
  if (timeoutMs !== undefined)
    input.timeoutMs = typeof timeoutMs === 'number' ? positiveMs(timeoutMs, 'timeout') : duration(timeoutMs, 'timeout');
  if (request.labels !== undefined && request.labels.length > 0) input.labels = request.labels;
  const retries = request.retries ?? request.maxRetries;
  if (retries !== undefined) input.maxRetries = wholeNumber(retries, request.retries === undefined ? 'maxRetries' : 'retries', 0);
  if (request.dependsOn !== undefined && request.dependsOn.length > 0) input.dependsOn = request.dependsOn;
  if (request.dependencyPolicy !== undefined) input.dependencyPolicy = request.dependencyPolicy;
  const passResults = request.passResults ?? request.passDependencyResults;
  if (passResults !== undefined) input.passDependencyResults = passResults;
  if (request.notify !== undefined) input.notify = request.notify;
  if (request.worktree !== undefined) input.worktree = request.worktree;
  if (request.base !== undefined) input.base = request.base;
  if (request.setup !== undefined) input.setup = request.setup;
  return input;
}

/**
 * Reads one task of a batch (a `run --batch` line, a DelegateWorkflow task): a submit request
 * plus an optional `name` that other tasks of the batch may give in `dependsOn`. `defaults`
 * holds fields every task of the batch gets unless it gives its own. Throws `invalid_input`
 * naming `label` and the field.
 */
export function parseBatchTask(
  value: unknown,
  context: SubmitRequestContext & { readonly label: string; readonly defaults?: Partial<SubmitRequest> },
): BatchTaskInput {
  try {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw fieldError('task', 'a task is a JSON object, like {"prompt": "...", "name": "build"}');
    }
    const { name, ...fields } = value as Record<string, unknown>;
    if (name !== undefined && typeof name !== 'string') throw fieldError('name', 'name: a name is text, like "build"');
    const request = parseSubmitRequest({ ...context.defaults, ...fields });
    const input = toNewTaskInput(request, context);
    return { ...input, label: context.label, ...(name === undefined ? {} : { name }) };
  } catch (error) {
    if (!isClaudineError(error)) throw error;
    throw new ClaudineError(error.code, `${context.label}: ${error.message}`, { cause: error, details: error.details });
  }
}

function nonEmpty(items: readonly string[] | undefined): string[] | undefined {
  return items === undefined || items.length === 0 ? undefined : [...items];
}

function wholeNumber(value: number | string, field: string, minimum: number): number {
  const number = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isSafeInteger(number) || number < minimum) {
    throw fieldError(field, `${field} takes a whole number, ${minimum} or more (got ${JSON.stringify(value)})`);
  }
  return number;
}

function amount(value: number | string, field: string): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!(number > 0) || !Number.isFinite(number)) {
    throw fieldError(field, `${field} takes an amount in USD above 0, e.g. 2.50 (got ${JSON.stringify(value)})`);
  }
  return number;
}

function positiveMs(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw fieldError(
      field,
      `${field} takes a duration such as "90s", "10m" or "1h", or a whole number of milliseconds above 0 (got ${value})`,
    );
  }
  return value;
}

function duration(text: string, field: string): number {
  if (lacksDurationUnit(text)) {
    throw fieldError(field, `${field} "${text}" has no unit: use e.g. 90s, 10m or 1h (${text.trim()}ms if you mean milliseconds)`);
  }
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw fieldError(field, `${field} "${text}" is not a duration above 0: use e.g. 90s, 10m or 1h`);
  return ms;
}

function fieldError(field: string, message: string): ClaudineError {
  return new ClaudineError('invalid_input', message, { details: { field } });
}
