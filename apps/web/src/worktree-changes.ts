// Diff and merge of worktree tasks on the dashboard: what the task page shows of a task's
// worktree, and the runtime's diff and merge behind the two endpoints (bin.ts passes them to
// startDashboard; without them the endpoints answer 501).
import { isClaudineError, type Task } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
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

/** What the task page shows of a task's worktree, or null for a task without one. */
export function readWorktree(task: Task, changes: WorktreeChanges | undefined): WorktreeView | null {
  const worktree = task.worktree;
  if (worktree === null) return null;
  return {
    branch: worktree.request.branch,
    baseCommit: worktree.request.baseCommit,
    headCommit: worktree.result?.headCommit ?? null,
    // The task records counts; the file names come with the diff.
    filesChanged: [],
    insertions: worktree.result?.insertions ?? null,
    deletions: worktree.result?.deletions ?? null,
    actionsAvailable: changes !== undefined,
  };
}

/** Diff and merge through the runtime's client: a merge that is refused comes back as its report. */
export function runtimeWorktreeChanges(claudine: Claudine): WorktreeChanges {
  return {
    async diff(task) {
      const { stat, page } = await claudine.diff(task.id);
      return {
        files: stat.files.map((file) => ({
          path: file.path,
          insertions: file.binary ? null : file.insertions,
          deletions: file.binary ? null : file.deletions,
        })),
        patch: page?.patch ?? '',
        truncated: page !== null && !page.complete,
      };
    },
    async merge(task) {
      try {
        const merged = await claudine.merge(task.id);
        return { kind: 'merged', commit: merged.merge.commit, target: merged.merge.target };
      } catch (error) {
        if (!isClaudineError(error)) throw error;
        const files = error.details.files;
        if (error.details.reason === 'conflict' && Array.isArray(files)) {
          return { kind: 'conflict', files: files.filter((file): file is string => typeof file === 'string'), message: error.message };
        }
        return { kind: 'refused', message: error.message };
      }
    },
  };
}

/** The answer of the diff and merge endpoints while no {@link WorktreeChanges} is wired in. */
export const WORKTREE_ACTIONS_MISSING =
  'Diff and merge are not available in this dashboard yet: they come with worktree support in the runtime. Use git on the task branch meanwhile.';
