// The worktrees of a batch: each entry resolved as a single submission is, and an entry whose
// one worktree dependency is another entry of the batch stacked on it, as on a stored task.
import type { NewTask, NewTaskWorktree } from '@claudine/core';
import type { BatchTaskInput } from './submit-batch.js';
import { resolveWorktreeRequest, type WorktreeRequestContext, type WorktreeResolution } from './worktree-request.js';

/** Each entry's worktree, and for each entry the index of the batch entry it stacks on (or null). */
export interface BatchWorktrees {
  readonly resolutions: readonly WorktreeResolution[];
  readonly stacksOn: readonly (number | null)[];
}

/**
 * Resolves the worktree of every entry of a batch. An entry that depends by name on entries
 * with worktrees counts them with its stored dependencies: when the only one is an entry of the
 * batch in the same repository, it stacks on that entry ({@link stackWithinBatch} records it
 * once ids are drawn). Throws as {@link resolveWorktreeRequest} does.
 */
export async function resolveBatchWorktrees(inputs: readonly BatchTaskInput[], context: WorktreeRequestContext): Promise<BatchWorktrees> {
  const first = await Promise.all(inputs.map((input) => resolveWorktreeRequest(input, context)));
  const byName = new Map<string, number>();
  inputs.forEach((input, index) => {
    if (input.name !== undefined) byName.set(input.name, index);
  });
  // Whether an entry has a worktree does not depend on what it stacks on, so the first pass tells.
  const localWithWorktrees = inputs.map((input) => [
    ...new Set(
      (input.dependsOn ?? []).flatMap((reference) => {
        const target = byName.get(reference);
        return target !== undefined && first[target]?.pending != null ? [target] : [];
      }),
    ),
  ]);
  const resolutions = await Promise.all(
    inputs.map((input, index) => {
      const local = localWithWorktrees[index] ?? [];
      return local.length === 0 ? (first[index] as WorktreeResolution) : resolveWorktreeRequest(input, context, local.length);
    }),
  );
  const stacksOn = resolutions.map((resolution, index) => {
    const target = localWithWorktrees[index]?.[0];
    if (resolution.stacksWithinBatch !== true || target === undefined) return null;
    const own = resolution.pending;
    const below = resolutions[target]?.pending;
    if (own?.kind !== 'new' || below?.kind !== 'new' || below.repository !== own.repository) return null;
    return target;
  });
  return { resolutions, stacksOn };
}

/**
 * The batch's tasks with each stacked entry's worktree on the entry below it: `stackedOn` its
 * id and the base its base for now. As for a task stacked on a stored one, the host takes the
 * head the task below ended with when the stacked one starts.
 */
export function stackWithinBatch(tasks: readonly NewTask[], ids: readonly string[], worktrees: BatchWorktrees): NewTask[] {
  const below = new Map<string, string>();
  worktrees.stacksOn.forEach((target, index) => {
    if (target !== null) below.set(ids[index] as string, ids[target] as string);
  });
  if (below.size === 0) return [...tasks];
  const baseOf = new Map(tasks.map((task) => [task.id, task.worktree?.request.baseCommit]));
  return tasks.map((task) => {
    const belowId = below.get(task.id);
    const worktree = task.worktree;
    if (belowId === undefined || worktree == null) return task;
    const baseCommit = baseOf.get(belowId) ?? worktree.request.baseCommit;
    const stacked: NewTaskWorktree = { ...worktree, stackedOn: belowId, request: { ...worktree.request, baseCommit } };
    return { ...task, worktree: stacked };
  });
}
