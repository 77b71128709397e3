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

/** What a cycle search reads of the graph: the tasks that wait directly for a task. */
export interface DependentsView {
  dependentsOf(id: string): readonly string[];
}

/**
 * Decides whether "`taskId` waits for `dependsOn`" may be added: the refusal naming the cycle it
 * would close, or undefined when it closes none. The edge closes a cycle exactly when `dependsOn`
 * already waits for `taskId`, directly or not, so the search walks from `taskId` through its
 * dependents (breadth first: the cycle named is a shortest one). For a task that has not
 * started, the tasks waiting for it are few, whatever the size of the graph.
 *
 * A task created after the tasks it depends on never needs this check: nothing waits for it
 * yet, so its edges cannot close a cycle. Stores call it only for edges added to an existing task.
 */
export function findDependencyCycle(view: DependentsView, taskId: string, dependsOn: string): DependencyCycle | undefined {
  if (taskId === dependsOn) return dependencyCycle(taskId, dependsOn, [taskId]);
  const parent = new Map<string, string | null>([[taskId, null]]);
  for (let head = 0, frontier = [taskId]; head < frontier.length; head += 1) {
    const current = frontier[head] as string;
    for (const dependent of view.dependentsOf(current)) {
      if (parent.has(dependent)) continue;
      parent.set(dependent, current);
      if (dependent === dependsOn) {
        const chain: string[] = [];
        for (let at: string | null = dependsOn; at !== null; at = parent.get(at) ?? null) chain.push(at);
        return dependencyCycle(taskId, dependsOn, chain);
      }
      frontier.push(dependent);
    }
  }
  return undefined;
}

/**
 * Builds the {@link DependencyCycle} refusing "`taskId` depends on `dependsOn`", given the chain
 * by which `dependsOn` already waits for `taskId` (`[dependsOn, ..., taskId]`; `[taskId]` for a
 * self-dependency), so every cycle reads the same.
 */
function dependencyCycle(taskId: string, dependsOn: string, chain: readonly string[]): DependencyCycle {
  const cycle = taskId === dependsOn ? [taskId, taskId] : [taskId, ...chain];
  const message =
    taskId === dependsOn
      ? `task ${taskId} cannot depend on itself: remove it from its own dependencies`
      : `task ${taskId} cannot depend on ${dependsOn}: that would close the cycle ${cycle.join(' → ')} (each waits for the next). Remove one of these dependencies instead, or split the work differently.`;
  return { kind: 'dependency_cycle', taskId, dependsOn, cycle, message };
}
