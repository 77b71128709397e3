import type { Task, WorktreeMerge, WorktreeResult } from '@claudine/core';
import type { StoreContext } from '../store-context.js';
import { findTask } from './task-queries.js';

// The worktree records of a task change apart from its state: a result is written at the end of
// every run (and by recovery), a merge or a removal whenever a user asks, whatever the state.

/** See `TaskStore.recordWorktreeBase`. */
export function recordWorktreeBase(context: StoreContext, id: string, baseCommit: string, now: number): Task | undefined {
  return update(context, 'tasks.worktreeBase', "worktree = json_set(worktree, '$.request.baseCommit', ?)", id, baseCommit, now);
}

/** See `TaskStore.recordWorktreeResult`. */
export function recordWorktreeResult(context: StoreContext, id: string, result: WorktreeResult, now: number): Task | undefined {
  return update(context, 'tasks.worktreeResult', 'worktree_result = ?', id, JSON.stringify(result), now);
}

/** See `TaskStore.recordWorktreeMerge`. */
export function recordWorktreeMerge(context: StoreContext, id: string, merge: WorktreeMerge, now: number): Task | undefined {
  return update(context, 'tasks.worktreeMerge', 'worktree_merge = ?', id, JSON.stringify(merge), now);
}

/** See `TaskStore.recordWorktreeRemoved`. */
export function recordWorktreeRemoved(context: StoreContext, id: string, removedAt: number | null, now: number): Task | undefined {
  return update(context, 'tasks.worktreeRemoved', 'worktree_removed_at = ?', id, removedAt, now);
}

function update(context: StoreContext, name: string, assignment: string, id: string, value: unknown, now: number): Task | undefined {
  const info = context.sql.run(
    name,
    `UPDATE tasks SET ${assignment}, updated_at = ? WHERE id = ? AND worktree IS NOT NULL`,
    value,
    now,
    id,
  );
  return info.changes === 1 ? findTask(context, id) : undefined;
}
