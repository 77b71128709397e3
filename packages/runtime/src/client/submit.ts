// Building a new task from a submission: validation, what the configuration fills in, the
// working directory checked, and fresh ids drawn when one collides.
import { randomBytes } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ClaudineError,
  type CreateTaskError,
  formatDuration,
  formatTaskId,
  type NewTask,
  type NewTaskInput,
  NewTaskInputSchema,
  type ParsedNewTask,
  unsupportedAgentOptions,
} from '@claudine/core';
import type { Config } from '../config/config.js';
import { withAgentDefaults } from './agent-defaults.js';
import { plainNewTask } from './plain-new-task.js';
import { completeWorktree, type WorktreeResolution } from './worktree-request.js';

/**
 * Creates tasks, drawing new ids if one collides with a stored task (50 random bits make that
 * rare, but a client must never fail on it). Errors other than a collision are thrown as
 * `ClaudineError`s that say what to do.
 */
export async function createWithFreshIds<T>(
  prepare: () => NewTask[],
  create: (tasks: NewTask[]) => Promise<{ ok: true; value: T } | { ok: false; error: CreateTaskError }>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await create(prepare());
    if (result.ok) return result.value;
    if (result.error.kind === 'duplicate_id' && attempt < 5) continue;
    const error = result.error;
    throw new ClaudineError(error.kind === 'unknown_dependency' ? 'not_found' : 'conflict', error.message, {
      details: error.kind === 'unknown_dependency' ? { ids: error.ids } : {},
    });
  }
}

/** Validates a submission and fills in what the configuration decides. */
/**
 * Validates a submission and fills in what the configuration decides; `worktree` is what
 * `resolveWorktreeRequest` found for it (none when omitted).
 */
export function prepareTask(
  input: NewTaskInput,
  config: Config,
  environment: Readonly<Record<string, string>>,
  worktree?: WorktreeResolution,
): NewTask {
  const submitted = {
    agent: config.defaults.agent,
    priority: config.defaults.priority,
    ...stripUndefined(input as Record<string, unknown>),
  };
  const value = plainNewTask(submitted) ?? parseNewTask(submitted);
  const unsupported = unsupportedAgentOptions(value.agent, value.agentOptions);
  if (unsupported.length > 0) {
    throw new ClaudineError(
      'invalid_input',
      `The ${value.agent} agent does not take ${unsupported.join(', ')}: remove ${unsupported.length > 1 ? 'them' : 'it'}, or pick the agent that does (${unsupported.includes('sandbox') ? 'codex' : 'claude'}).`,
    );
  }
  const cwd = checkWorkingDirectory(value.cwd);
  const timeoutMs = value.timeoutMs ?? config.timeout.default;
  if (timeoutMs > config.timeout.max) {
    throw new ClaudineError(
      'invalid_input',
      `The timeout ${formatDuration(timeoutMs)} is longer than the maximum ${formatDuration(config.timeout.max)}: ask for less, or raise timeout.max in the configuration.`,
    );
  }
  const agentOptions = withAgentDefaults(value.agent, value.agentOptions, config);
  const id = formatTaskId(randomBytes(8));
  return {
    id,
    prompt: value.prompt,
    agent: value.agent,
    agentOptions,
    cwd,
    priority: value.priority,
    timeoutMs,
    labels: value.labels,
    dependsOn: worktree === undefined ? value.dependsOn : [...value.dependsOn, ...worktree.addDependencies],
    dependencyPolicy: value.dependencyPolicy,
    passDependencyResults: value.passDependencyResults,
    maxRetries: value.maxRetries ?? config.retry.maxRetries,
    notify: value.notify ?? null,
    createdAt: Date.now(),
    environment,
    worktree: worktree?.pending == null ? null : completeWorktree(worktree.pending, id),
  };
}

function checkWorkingDirectory(path: string): string {
  const absolute = resolve(path);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    throw new ClaudineError(
      'invalid_input',
      `The working directory ${absolute} does not exist: create it, or pass an existing directory as the cwd.`,
      {
        details: { cwd: absolute },
      },
    );
  }
  if (!statSync(real).isDirectory()) {
    throw new ClaudineError(
      'invalid_input',
      `The working directory ${absolute} is a file, not a directory: pass the directory the agent should work in.`,
      {
        details: { cwd: absolute },
      },
    );
  }
  return real;
}

function parseNewTask(submitted: Record<string, unknown>): ParsedNewTask {
  const parsed = NewTaskInputSchema.safeParse(submitted);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'task'}: ${issue.message}`);
    throw new ClaudineError('invalid_input', `The task is invalid:\n  ${issues.join('\n  ')}`, { details: { issues } });
  }
  return parsed.data;
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined));
}
