// THE SEAM FOR WORKTREES. Diff and merge need @claudine/workspace, which is not wired into the
// runtime yet. Until it is, tasks carry no worktree data, the task page shows no Changes panel,
// and the two endpoints answer 501. To fill it in:
//   1. `readWorktree`: read the worktree fields the runtime puts on a task (branch, base and head
//      commits, changed files) instead of looking for a `worktree` property.
//   2. Pass a `WorktreeChanges` to `startDashboard({ worktrees })` (bin.ts) that calls the
//      runtime's diff and merge; nothing else in the server or the page changes.
import type { Task } from '@claudine/core';
import type { WorktreeView } from './api-types.js';

/** A task's diff against its fork point, bounded. */
export interface WorktreeDiff {
  /** Per file: path, lines added and removed (null for binary files). */
  readonly files: ReadonlyArray<{ readonly path: string; readonly insertions: number | null; readonly deletions: number | null }>;
  /** The unified diff, cut at the size bound. */
  readonly patch: string;
  readonly truncated: boolean;
}

/** What a merge did: landed, or refused with nothing changed. */
export type WorktreeMergeOutcome =
  | { readonly kind: 'merged'; readonly commit: string; readonly target: string }
  | { readonly kind: 'conflict'; readonly files: readonly string[]; readonly message: string }
  | { readonly kind: 'refused'; readonly message: string };

/** Diff and merge of a worktree task, as the runtime will offer them. */
export interface WorktreeChanges {
  diff(task: Task): Promise<WorktreeDiff>;
  merge(task: Task): Promise<WorktreeMergeOutcome>;
}

interface WorktreeFields {
  readonly branch?: unknown;
  readonly baseCommit?: unknown;
  readonly headCommit?: unknown;
  readonly filesChanged?: unknown;
  readonly insertions?: unknown;
  readonly deletions?: unknown;
}

/** What the task page shows of a task's worktree, or null for a task without one. */
export function readWorktree(task: Task, changes: WorktreeChanges | undefined): WorktreeView | null {
  const fields = (task as { readonly worktree?: WorktreeFields | null }).worktree;
  if (fields === undefined || fields === null || typeof fields.branch !== 'string') return null;
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  const count = (value: unknown): number | null => (typeof value === 'number' ? value : null);
  const files = Array.isArray(fields.filesChanged) ? fields.filesChanged.filter((file): file is string => typeof file === 'string') : [];
  return {
    branch: fields.branch,
    baseCommit: text(fields.baseCommit),
    headCommit: text(fields.headCommit),
    filesChanged: files,
    insertions: count(fields.insertions),
    deletions: count(fields.deletions),
    actionsAvailable: changes !== undefined,
  };
}

/** The answer of the diff and merge endpoints while no {@link WorktreeChanges} is wired in. */
export const WORKTREE_ACTIONS_MISSING =
  'Diff and merge are not available in this dashboard yet: they come with worktree support in the runtime. Use git on the task branch meanwhile.';
