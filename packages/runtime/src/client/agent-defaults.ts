import type { AgentKind, AgentOptions } from '@claudine/core';
import type { Config } from '../config/config.js';

/**
 * A task's agent options with what the configuration gives every task of its agent: a single
 * value only where the task names none, a list (tools, directories, MCP configurations, raw
 * arguments) before the task's own, so that the task adds to the defaults.
 */
export function withAgentDefaults(agent: AgentKind, options: AgentOptions, config: Config): AgentOptions {
  const result: AgentOptions = { ...options };
  if (agent === 'claude') {
    const defaults = config.agents.claude;
    result.permissionMode ??= defaults.permissionMode;
    if (defaults.model !== undefined) result.model ??= defaults.model;
    if (config.budget.perTask !== undefined) result.maxBudgetUsd ??= config.budget.perTask;
    if (defaults.settings !== undefined) result.settings ??= defaults.settings;
    if (defaults.effort !== undefined) result.effort ??= defaults.effort;
    if (defaults.fallbackModel !== undefined) result.fallbackModel ??= defaults.fallbackModel;
    if (defaults.appendSystemPrompt !== undefined) result.appendSystemPrompt ??= defaults.appendSystemPrompt;
    setList(result, 'allowedTools', defaults.allowedTools);
    setList(result, 'disallowedTools', defaults.disallowedTools);
    setList(result, 'addDirs', defaults.addDirs);
    setList(result, 'mcpConfig', defaults.mcpConfig);
    setList(result, 'agentArgs', defaults.agentArgs);
  } else if (agent === 'codex') {
    const defaults = config.agents.codex;
    if (defaults.model !== undefined) result.model ??= defaults.model;
    if (defaults.sandbox !== undefined) result.sandbox ??= defaults.sandbox;
    setList(result, 'agentArgs', defaults.agentArgs);
  }
  return result;
}

type ListOption = 'allowedTools' | 'disallowedTools' | 'addDirs' | 'mcpConfig' | 'agentArgs';

function setList(options: AgentOptions, key: ListOption, defaults: readonly string[] | undefined): void {
  if (defaults === undefined || defaults.length === 0) return;
  const own = options[key] ?? [];
  // A default the task repeats is given once: Claude Code would read the tool twice otherwise.
  options[key] = key === 'agentArgs' ? [...defaults, ...own] : [...new Set([...defaults, ...own])];
}
