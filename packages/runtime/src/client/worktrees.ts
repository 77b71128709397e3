// The worktree side of the client: what submit needs to resolve a task's worktree, and the calls
// on a task's worktree (diff, merge, list, remove, prune).
import type { Readable } from 'node:stream';
import type { Task, TaskStore } from '@claudine/core';
import { ClaudineError } from '@claudine/core';
import type { DiffRange } from '@claudine/workspace';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';
import { openWorkspace } from '../worktrees/open-workspace.js';
import {
  type MergeOptions,
  mergeTask,
  type RemoveOptions,
  removeTaskWorktree,
  requireWorktree,
  type TaskDiff,
  type TaskDiffOptions,
  type TaskMerge,
  type TaskWorktreeRemoval,
  taskDiff,
} from '../worktrees/worktree-actions.js';
import { listWorktrees, type WorktreeListing, worktreesDiskUsage } from '../worktrees/worktree-listing.js';
import { pruneWorktrees, type WorktreePruneReport } from '../worktrees/worktree-prune.js';
import type { WorktreeRequestContext } from './worktree-request.js';

/** What {@link openClientWorktrees} needs. */
export interface ClientWorktreesOptions {
  readonly layout: DataLayout;
  readonly config: Config;
  readonly store: Pick<TaskStore, 'get' | 'list' | 'recordWorktreeMerge' | 'recordWorktreeRemoved'>;
  readonly getTask: (id: string) => Promise<Task>;
}

/** The calls on worktree tasks a client offers (see `Claudine`). */
export interface WorktreeCalls {
  /** The task's change against the point its branch left the target: files, and a page of the patch. */
  diff(id: string, options?: TaskDiffOptions): Promise<TaskDiff>;
  /** The task's whole patch as a stream (for printing it with backpressure). */
  diffStream(id: string, options?: { readonly target?: string }): Promise<DiffRange & { readonly stream: Readable }>;
  /** Merges a finished task's branch (computed first: a conflict changes nothing), records it, removes the worktree. */
  merge(id: string, options?: MergeOptions): Promise<TaskMerge>;
  /** Every task's worktree, newest first. */
  worktrees(): Promise<WorktreeListing[]>;
  /** Removes a finished task's worktree; its branch too once its work landed (or with force). */
  removeWorktree(id: string, options?: RemoveOptions): Promise<TaskWorktreeRemoval>;
  /** Removes the worktrees of tasks finished more than `worktree.retention` ago (or before `finishedBefore`). */
  pruneWorktrees(options?: { readonly finishedBefore?: number }): Promise<WorktreePruneReport>;
  /** Bytes the data directory's worktrees take on disk. */
  worktreesDiskUsage(): Promise<number>;
}

/** The client's worktree parts: the context submit resolves worktrees in, and the calls it offers. */
export function openClientWorktrees(options: ClientWorktreesOptions): {
  readonly requestContext: WorktreeRequestContext;
  readonly api: WorktreeCalls;
} {
  const workspace = openWorkspace(options.layout, options.config);
  const context = { store: options.store, workspace };
  return {
    requestContext: { config: options.config, layout: options.layout, store: options.store, workspace },
    api: {
      async diff(id, diffOptions) {
        return taskDiff(context, await options.getTask(id), diffOptions);
      },
      async diffStream(id, streamOptions = {}) {
        const task = await options.getTask(id);
        const worktree = requireWorktree(task);
        const streamed = await workspace.patchStream({
          repository: worktree.request.repository,
          branch: worktree.request.branch,
          ...(streamOptions.target === undefined ? {} : { target: streamOptions.target }),
        });
        if (!streamed.ok) {
          throw new ClaudineError(streamed.error.kind === 'unrelated' ? 'conflict' : 'not_found', `Task ${id}: ${streamed.error.message}`, {
            details: { id, reason: streamed.error.kind },
          });
        }
        return streamed.value;
      },
      async merge(id, mergeOptions) {
        return mergeTask(context, await options.getTask(id), mergeOptions);
      },
      worktrees: () => listWorktrees(context),
      async removeWorktree(id, removeOptions) {
        return removeTaskWorktree(context, await options.getTask(id), removeOptions);
      },
      pruneWorktrees(pruneOptions = {}) {
        return pruneWorktrees(context, { finishedBefore: pruneOptions.finishedBefore ?? Date.now() - options.config.worktree.retention });
      },
      worktreesDiskUsage: () => worktreesDiskUsage(options.layout.worktrees),
    },
  };
}
