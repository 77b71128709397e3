import { AGENT_KINDS, DEPENDENCY_POLICIES, isAbsolutePath, MAX_PROMPT_BYTES, type ParsedNewTask, PRIORITIES } from '@claudine/core';

// The fields a plain submission may have, and which of them are optional.
const FIELDS = new Set([
  'prompt',
  'agent',
  'agentOptions',
  'cwd',
  'priority',
  'timeoutMs',
  'labels',
  'dependsOn',
  'dependencyPolicy',
  'passDependencyResults',
  'maxRetries',
  'notify',
  'worktree',
  'base',
  'setup',
]);
const LABEL = /^[^\s,]+$/;

/**
 * What `NewTaskInputSchema.safeParse(input)` gives for a plain submission (no agent options, no
 * dependencies: a `claudine run` with the usual flags), checked without building the schema,
 * which costs a short command more than the rest of its work. Undefined when the input is not
 * plain, or not valid: the schema then decides, and words the error. So this never accepts what
 * the schema refuses, and gives what the schema gives (plain-new-task.test.ts compares them).
 */
export function plainNewTask(input: Readonly<Record<string, unknown>>): ParsedNewTask | undefined {
  for (const key of Object.keys(input)) if (!FIELDS.has(key) || input[key] === undefined) return undefined;
  const { prompt, agent = 'claude', agentOptions, cwd, priority = 'P1', labels = [], dependsOn } = input;
  // A UTF-8 byte per UTF-16 unit at most 3: a prompt this short is within the limit, whatever it holds.
  if (typeof prompt !== 'string' || prompt.trim().length === 0 || prompt.length * 3 > MAX_PROMPT_BYTES) return undefined;
  if (!isOneOf(agent, AGENT_KINDS) || !isOneOf(priority, PRIORITIES)) return undefined;
  if (agentOptions !== undefined && !isEmptyObject(agentOptions)) return undefined;
  if (typeof cwd !== 'string' || cwd.length === 0 || !isAbsolutePath(cwd)) return undefined;
  if (dependsOn !== undefined && !(Array.isArray(dependsOn) && dependsOn.length === 0)) return undefined;
  if (!Array.isArray(labels) || labels.length > 50 || !labels.every(isLabel)) return undefined;
  const dependencyPolicy = input.dependencyPolicy ?? 'fail';
  const passDependencyResults = input.passDependencyResults ?? false;
  if (!isOneOf(dependencyPolicy, DEPENDENCY_POLICIES) || typeof passDependencyResults !== 'boolean') return undefined;
  const parsed: ParsedNewTask = {
    prompt,
    agent,
    agentOptions: {},
    cwd,
    priority,
    labels: [...labels],
    dependsOn: [],
    dependencyPolicy,
    passDependencyResults,
  };
  const { timeoutMs, maxRetries, notify, worktree, base, setup } = input;
  if (timeoutMs !== undefined) {
    if (!Number.isSafeInteger(timeoutMs) || (timeoutMs as number) <= 0) return undefined;
    parsed.timeoutMs = timeoutMs as number;
  }
  if (maxRetries !== undefined) {
    if (!Number.isSafeInteger(maxRetries) || (maxRetries as number) < 0 || (maxRetries as number) > 100) return undefined;
    parsed.maxRetries = maxRetries as number;
  }
  if (notify !== undefined) {
    if (typeof notify !== 'boolean') return undefined;
    parsed.notify = notify;
  }
  if (worktree !== undefined) {
    if (typeof worktree !== 'boolean') return undefined;
    parsed.worktree = worktree;
  }
  if (base !== undefined) {
    if (typeof base !== 'string' || base.length === 0 || base.length > 1000) return undefined;
    parsed.base = base;
  }
  if (setup !== undefined) {
    if (typeof setup !== 'string' || setup.length === 0 || setup.length > 100_000) return undefined;
    parsed.setup = setup;
  }
  return parsed;
}

function isOneOf<T extends string>(value: unknown, values: readonly T[]): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

function isLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 100 && LABEL.test(value);
}
