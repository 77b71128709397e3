import type { PermissionMode } from '@claudine/core';
import type { Agent } from './agent.js';
import { taskEnvironment } from './agent.js';
import { createClaudeStreamParser } from './claude-stream-parser.js';

/**
 * The value of `--permission-mode` for a mode: `manual` is what newer Claude Code versions call
 * `default` (ask before each action), and older ones (2.1.197, for one) refuse the new name,
 * while every version knows `default`.
 */
export function cliPermissionMode(mode: PermissionMode): string {
  return mode === 'manual' ? 'default' : mode;
}

/** Options for {@link createClaudeAgent}. */
export interface ClaudeAgentOptions {
  /** The `claude` executable (default `claude` on PATH). */
  readonly command?: string;
  /** Arguments placed before Claudine's own (e.g. a script path when command is `node`). */
  readonly prefixArgs?: readonly string[];
}

/**
 * The `claude` agent: `claude -p --output-format stream-json --verbose` with the task's
 * options, the prompt on stdin. The session id, result, turns, tokens and cost come from its
 * stream-json (see {@link createClaudeStreamParser}).
 */
export function createClaudeAgent(options: ClaudeAgentOptions = {}): Agent {
  const command = options.command ?? 'claude';
  return {
    kind: 'claude',
    invocation(task, environment) {
      const agentOptions = task.agentOptions;
      const args = [...(options.prefixArgs ?? []), '-p', '--output-format', 'stream-json', '--verbose'];
      if (agentOptions.model !== undefined) args.push('--model', agentOptions.model);
      if (agentOptions.maxTurns !== undefined) args.push('--max-turns', String(agentOptions.maxTurns));
      if (agentOptions.permissionMode !== undefined) args.push('--permission-mode', cliPermissionMode(agentOptions.permissionMode));
      if (agentOptions.systemPrompt !== undefined) args.push('--system-prompt', agentOptions.systemPrompt);
      if (agentOptions.appendSystemPrompt !== undefined) args.push('--append-system-prompt', agentOptions.appendSystemPrompt);
      if (agentOptions.resumeSessionId !== undefined) args.push('--resume', agentOptions.resumeSessionId);
      if (agentOptions.maxBudgetUsd !== undefined) args.push('--max-budget-usd', String(agentOptions.maxBudgetUsd));
      if (agentOptions.settings !== undefined) args.push('--settings', agentOptions.settings);
      if (agentOptions.effort !== undefined) args.push('--effort', agentOptions.effort);
      if (agentOptions.fallbackModel !== undefined) args.push('--fallback-model', agentOptions.fallbackModel);
      // Raw arguments come before the lists: a list would take a raw argument that follows it
      // (one without a leading dash) as one of its items.
      if (agentOptions.agentArgs !== undefined) args.push(...agentOptions.agentArgs);
      // Variadic options go last, each one value per flag: a list ends only at the next flag,
      // and the `--flag=value` form never takes more than its own value.
      for (const tool of agentOptions.allowedTools ?? []) args.push(`--allowed-tools=${tool}`);
      for (const tool of agentOptions.disallowedTools ?? []) args.push(`--disallowed-tools=${tool}`);
      for (const directory of agentOptions.addDirs ?? []) args.push(`--add-dir=${directory}`);
      for (const config of agentOptions.mcpConfig ?? []) args.push(`--mcp-config=${config}`);
      const env = taskEnvironment(task, environment);
      // Set by Claude Code for its subprocesses; a claude started with it refuses to run as a
      // nested session. Tasks are independent sessions, not nested ones.
      env.CLAUDECODE = undefined;
      return { command, args, env, stdin: task.prompt };
    },
    createParser: createClaudeStreamParser,
  };
}
