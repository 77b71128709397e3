import type { TaskMetrics } from './metrics.js';
import type { AgentReport } from './task.js';

/** The figures of {@link TaskMetrics} that come from what the agent reported, not from measuring. */
export type ReportedFigures = Pick<
  TaskMetrics,
  'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'costUsd' | 'turns' | 'model'
>;

/** An attempt's reported figures from its agent's report: null where it said nothing (or made no report). */
export function reportedFigures(report: AgentReport | null): ReportedFigures {
  return {
    inputTokens: report?.usage?.inputTokens ?? null,
    outputTokens: report?.usage?.outputTokens ?? null,
    cacheReadTokens: report?.usage?.cacheReadInputTokens ?? null,
    cacheWriteTokens: report?.usage?.cacheCreationInputTokens ?? null,
    costUsd: report?.costUsd ?? null,
    turns: report?.turns ?? null,
    model: report?.model ?? null,
  };
}
