/**
 * A dependency refused because it would close a cycle. `cycle` starts and ends with the task
 * that would get the new dependency; each task in it waits for the next one
 * (`['a', 'b', 'c', 'a']`: a waits for b, b for c, c for a). A self-dependency is `['a', 'a']`.
 */
export interface DependencyCycle {
  readonly kind: 'dependency_cycle';
  readonly taskId: string;
  readonly dependsOn: string;
  readonly cycle: readonly string[];
  readonly message: string;
}

/**
 * Builds the {@link DependencyCycle} refusing "`taskId` depends on `dependsOn`", given the chain
 * by which `dependsOn` already waits for `taskId` (`[dependsOn, ..., taskId]`; `[taskId]` for a
 * self-dependency). Stores and the in-memory graph use it so every cycle reads the same.
 */
export function dependencyCycle(taskId: string, dependsOn: string, chain: readonly string[]): DependencyCycle {
  const cycle = taskId === dependsOn ? [taskId, taskId] : [taskId, ...chain];
  const message =
    taskId === dependsOn
      ? `task ${taskId} cannot depend on itself: remove it from its own dependencies`
      : `task ${taskId} cannot depend on ${dependsOn}: that would close the cycle ${cycle.join(' → ')} (each waits for the next). Remove one of these dependencies instead, or split the work differently.`;
  return { kind: 'dependency_cycle', taskId, dependsOn, cycle, message };
}
