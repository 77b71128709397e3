import { type AgentReport, reportedFigures, type Task, type TaskMetrics } from '@claudine/core';
import type { ResourceUsage } from '@claudine/metrics';

/** The metrics of one attempt of `task`: resource figures plus what its agent reported. */
export function taskMetricsOf(
  task: Task,
  run: { readonly startedAt: number; readonly now: number; readonly live: boolean },
  usage: ResourceUsage,
  report: AgentReport | null,
): TaskMetrics {
  return {
    taskId: task.id,
    attempt: Math.max(1, task.attempt),
    agent: task.agent,
    live: run.live,
    startedAt: run.startedAt,
    updatedAt: run.now,
    finishedAt: run.live ? null : run.now,
    wallMs: Math.max(0, Math.round(run.now - run.startedAt)),
    ...usage,
    ...reportedFigures(report),
  };
}
