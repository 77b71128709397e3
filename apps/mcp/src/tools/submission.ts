import type { AgentOptions } from '@claudine/core';

/** The agent options a tool takes as its own arguments. */
const TOOL_AGENT_OPTIONS = ['model', 'maxTurns', 'permissionMode', 'appendSystemPrompt', 'maxBudgetUsd'] as const;

/** The agent options among a tool's arguments, leaving out those not given. */
export function agentOptionsOf(args: Pick<AgentOptions, (typeof TOOL_AGENT_OPTIONS)[number]>): AgentOptions {
  const options: Record<string, unknown> = {};
  for (const key of TOOL_AGENT_OPTIONS) if (args[key] !== undefined) options[key] = args[key];
  return options as AgentOptions;
}

/** What a tool adds to its answer when the task is stored but no host could start to run it. */
export function hostWarning(hostError: string | null): string {
  return hostError === null ? '' : ` Warning: no host could start (${hostError}); the task waits until one does.`;
}
